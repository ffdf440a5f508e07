/**
 * Loads the generated @nestjs/swagger plugin metadata (src/metadata.ts, written by
 * scripts/openapi-metadata.mjs) while the app initialises, before the document is first built.
 *
 * SwaggerModule.loadPluginMetadata alone documents a method's return type only when the method has
 * no response decorator at all, while the compile-time plugin adds it unless the method declares a
 * success response itself. The second step here applies the plugin's rule, so the document is the
 * same whether or not the plugin ran at build time (nest build: it did; jest with SWC: it did not).
 */
import { Injectable, type OnModuleInit, RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { ApiResponse, DECORATORS, SwaggerModule } from '@nestjs/swagger';
import metadata from '../metadata.js';

type MethodMetadata = Record<string, unknown> & { summary?: unknown; deprecated?: unknown; tags?: unknown };
type ControllerEntry = [Promise<Record<string, { prototype: Record<string, unknown> }>>, Record<string, Record<string, MethodMetadata>>];

@Injectable()
export class OpenApiMetadataLoader implements OnModuleInit {
  async onModuleInit(): Promise<void> {
    const loaded: Record<string, unknown> = await metadata();
    await SwaggerModule.loadPluginMetadata(() => Promise.resolve(loaded));
    const controllers = ((loaded['@nestjs/swagger'] as { controllers?: unknown } | undefined)?.controllers ?? []) as ControllerEntry[];
    for (const [file, classes] of controllers) {
      const exports = await file;
      for (const [className, methods] of Object.entries(classes)) {
        const prototype = exports[className]?.prototype;
        if (prototype !== undefined) addImpliedSuccessResponses(prototype, methods);
      }
    }
  }
}

function addImpliedSuccessResponses(prototype: Record<string, unknown>, methods: Record<string, MethodMetadata>): void {
  for (const [name, meta] of Object.entries(methods)) {
    const { summary: _summary, deprecated: _deprecated, tags: _tags, ...response } = meta;
    const handler = prototype[name];
    if (Object.keys(response).length === 0 || typeof handler !== 'function') continue;
    const declared = (Reflect.getMetadata(DECORATORS.API_RESPONSE, handler) ?? {}) as Record<string, unknown>;
    if (Object.keys(declared).some(isSuccessOrRedirect)) continue;
    ApiResponse({ ...response, status: successStatus(handler) })(prototype, name, Object.getOwnPropertyDescriptor(prototype, name)!);
  }
}

function isSuccessOrRedirect(status: string): boolean {
  return status === 'default' || /^[123]XX$/.test(status) || Number(status) < 400;
}

function successStatus(handler: object): number {
  const code = Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined;
  if (code !== undefined) return code;
  return Reflect.getMetadata(METHOD_METADATA, handler) === RequestMethod.POST ? 201 : 200;
}
