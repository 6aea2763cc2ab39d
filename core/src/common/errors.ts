/** Errors the kernel raises for plugin authors and users; each message names the plugin and the problem. */
export class RaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class PermissionDeniedError extends RaError {
  constructor(
    readonly pluginId: string,
    readonly permission: string,
    readonly service: string,
    why: string,
  ) {
    super(`plugin '${pluginId}' may not use ${service}: ${why} '${permission}' permission`);
  }
}

export class ServiceConflictError extends RaError {}
export class ServiceUnavailableError extends RaError {}
export class PolicyError extends RaError {}
/** The machine is managed and its policy cannot be trusted: RA does not start at all. */
export class PolicyUntrustedError extends PolicyError {}
export class ManifestError extends RaError {}
export class SettingsError extends RaError {}
