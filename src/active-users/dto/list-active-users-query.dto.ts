import { ListQueryDto } from '../../common/list-query.dto.js';

/** `?cursor=&limit=&q=`: q matches part of the email, literally. */
export class ListActiveUsersQueryDto extends ListQueryDto {}
