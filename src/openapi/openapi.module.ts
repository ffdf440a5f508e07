/** Owns the OpenAPI document: plugin metadata loading here, the document and /docs in openapi.ts. */
import { Module } from '@nestjs/common';
import { OpenApiMetadataLoader } from './openapi-metadata.loader.js';

@Module({ providers: [OpenApiMetadataLoader] })
export class OpenApiModule {}
