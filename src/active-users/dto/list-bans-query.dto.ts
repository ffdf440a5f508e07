import { ListQueryDto } from '../../common/list-query.dto.js';

/** `?cursor=&limit=&q=`: q matches part of the banned email, literally. */
export class ListBansQueryDto extends ListQueryDto {}
