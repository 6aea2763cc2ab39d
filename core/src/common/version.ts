/** The kernel's API version; plugins state the range they need in `raPlugin.kernel`. Kept equal to core/package.json. */
export const KERNEL_VERSION = '0.1.0';
