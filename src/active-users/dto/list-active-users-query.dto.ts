import { SearchListQueryDto } from '../../common/list-query.dto.js';

/** `?cursor=&limit=&q=&match=`: q matches the email (prefix by default). */
export class ListActiveUsersQueryDto extends SearchListQueryDto {}
