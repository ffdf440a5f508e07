/**
 * Flags are checked with the REST API's own DTOs and validation pipe, so a value the API refuses
 * is refused here with the same message, and one it takes means the same thing.
 */
import { type Type, ValidationPipe } from '@nestjs/common';

const pipe = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });

/** The DTO instance the REST API would build from this query, path parameter or body; throws BadRequestException. */
export async function validated<T extends object>(
  dto: Type<T>,
  value: Record<string, unknown>,
  type: 'query' | 'param' | 'body' = 'query',
): Promise<T> {
  return (await pipe.transform(value, { type, metatype: dto })) as T;
}
