// Types of bundle.mjs for TypeScript consumers (the .mjs is plain JavaScript so the bin needs no build).
export interface BundleOptions {
  /** Directory of the app (holds package.json and src/handler.ts). */
  readonly appDir: string;
  /** Where handler.mjs, its map and the zip go (default `<appDir>/dist`). */
  readonly outDir?: string;
}

export interface BundleResult {
  /** Package name without its scope. */
  readonly appName: string;
  readonly handlerFile: string;
  readonly zipFile: string;
  readonly bundleBytes: number;
  readonly zipBytes: number;
}

export function bundleLambda(options: BundleOptions): Promise<BundleResult>;
export function formatBytes(bytes: number): string;
