// electron-vite: main (ESM), preload (CommonJS: sandboxed preloads cannot be ES modules) and the
// renderer (the same config as the web build).
import { fileURLToPath } from "node:url";
import { defineConfig, externalizeDepsPlugin } from "electron-vite";
import { rendererConfig } from "./vite.config.ts";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: { outDir: here("out/main"), rollupOptions: { input: here("src/main/index.ts") } },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: here("out/preload"),
      rollupOptions: {
        input: here("src/preload/index.ts"),
        output: { format: "cjs", entryFileNames: "[name].cjs" },
      },
    },
  },
  renderer: rendererConfig,
});
