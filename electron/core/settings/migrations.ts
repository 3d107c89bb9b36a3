import { SETTINGS_DEFAULTS } from '../../shared/contract/app';

type Raw = Record<string, unknown>;

/**
 * Each step upgrades a stored settings object by one version. Version 0 is the unversioned
 * pre-release file, which called the mirror `mirror` and kept the bind host as `publishHost`.
 */
const steps: Array<(raw: Raw) => Raw> = [
  ({ mirror, publishHost, ...rest }) => ({
    ...rest,
    ...(mirror !== undefined ? { registryMirror: mirror } : {}),
    ...(publishHost !== undefined ? { bindHost: publishHost } : {}),
    version: 1,
  }),
];

export const CURRENT_VERSION = SETTINGS_DEFAULTS.version;

export function migrate(raw: Raw): Raw {
  let out = raw;
  let v = typeof out.version === 'number' ? out.version : 0;
  while (v < CURRENT_VERSION) {
    out = steps[v](out);
    v += 1;
  }
  return out;
}
