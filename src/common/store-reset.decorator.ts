/**
 * Route metadata for the store-reset guard (auth/store-reset.guard.ts): while Redis waits for an
 * operator to confirm that it lost its data, every route answers 503 except those marked here.
 */
import { SetMetadata } from '@nestjs/common';

export const SERVES_DURING_STORE_RESET = 'llmgw:servesDuringStoreReset';

/** Keeps a route answering while the store waits for an operator (readiness must say why it is not ready). */
export const ServesDuringStoreReset = (): MethodDecorator & ClassDecorator => SetMetadata(SERVES_DURING_STORE_RESET, true);
