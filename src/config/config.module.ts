/** Owns the typed configuration: validated once at boot and injected everywhere as APP_CONFIG. */
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG } from './app-config.js';
import { readEnvironment } from './environment.js';
import { loadConfig } from './load-config.js';

@Global()
@Module({
  providers: [{ provide: APP_CONFIG, useFactory: () => loadConfig(readEnvironment()) }],
  exports: [APP_CONFIG],
})
export class ConfigModule {}
