// WebGPU without a GPU, for the tests and the bench: Debian's chromium ships SwiftShader, a
// software Vulkan driver, and the Vulkan loader beside it. Dawn (the `webgpu` package) finds an
// adapter through it when VK_ICD_FILENAMES names its ICD file and the loader is on the library
// path. LD_LIBRARY_PATH is read by the dynamic linker when a process starts, so this is the
// environment for processes we start (vitest's workers, the bench's child), not for this one.
// The product never sets it: on a user's machine Dawn uses the real GPU driver, and a software
// adapter would lose to wasm anyway.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Variables to add so Dawn finds SwiftShader; empty when it is not installed, when the caller
 * already chose a Vulkan driver (VK_ICD_FILENAMES set), or when SAM_TEST_SWIFTSHADER=0 asks to
 * test the machine's own GPU instead.
 */
export function swiftShaderEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.VK_ICD_FILENAMES || env.SAM_TEST_SWIFTSHADER === '0' || !existsSync(SWIFTSHADER_ICD)) return {};
  const dir = dirname(SWIFTSHADER_ICD);
  const path = env.LD_LIBRARY_PATH ?? '';
  return { VK_ICD_FILENAMES: SWIFTSHADER_ICD, LD_LIBRARY_PATH: path.split(':').includes(dir) ? path : [dir, path].filter(Boolean).join(':') };
}
