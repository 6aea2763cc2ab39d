import { ApiError, PolicyError, type ApiRoute } from '@ra/kernel';
import type { Kernel } from '@ra/kernel/node';

export type SettingsKernel = Pick<Kernel, 'settingViews' | 'changeSetting'>;

/**
 * `GET /api/settings`: every plugin's settings as in force, from their manifests' schemas, with what the
 * policy fixes or caps; `POST /api/settings/:id` `{ value }` (null: back to the default) checks the
 * value against the schema and the policy before writing settings.json. Served by the host: settings are
 * the kernel's, whichever plugin declares them.
 */
export function settingsRoutes(kernel: SettingsKernel): ApiRoute[] {
  return [
    { id: 'host.settings-list', method: 'GET', path: '/api/settings', handle: () => kernel.settingViews() },
    {
      id: 'host.settings-change',
      method: 'POST',
      path: '/api/settings/:id',
      handle: async ({ params, body }) => {
        if (typeof body !== 'object' || body === null || !('value' in body))
          throw new ApiError(400, 'send { "value": … }, or { "value": null } for the default');
        const { value } = body as { value: unknown };
        try {
          return await kernel.changeSetting(params.id, value === null ? undefined : value);
        } catch (e) {
          if (e instanceof PolicyError) throw new ApiError(403, e.message);
          throw e;
        }
      },
    },
  ];
}
