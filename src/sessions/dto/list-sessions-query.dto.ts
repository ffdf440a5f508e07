import { SearchListQueryDto } from '../../common/list-query.dto.js';

/** `?cursor=&limit=&q=&match=`: q matches the session owner's email (prefix by default). */
export class ListSessionsQueryDto extends SearchListQueryDto {}
