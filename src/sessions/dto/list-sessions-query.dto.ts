import { ListQueryDto } from '../../common/list-query.dto.js';

/** `?cursor=&limit=&q=`: q matches part of the session owner's email, literally. */
export class ListSessionsQueryDto extends ListQueryDto {}
