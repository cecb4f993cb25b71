// Runs in the sandboxed renderer's isolated world: exposes window.cita and nothing else.
import { contextBridge, ipcRenderer } from "electron";
import { type CitaBridge, IPC } from "../shared/bridge.ts";

const bridge: CitaBridge = {
  kind: "electron",
  secrets: {
    get: (key) => ipcRenderer.invoke(IPC.secretGet, key),
    set: (key, value) => ipcRenderer.invoke(IPC.secretSet, key, value),
    delete: (key) => ipcRenderer.invoke(IPC.secretDelete, key),
    status: () => ipcRenderer.invoke(IPC.secretStatus),
  },
  notify: (n) => ipcRenderer.invoke(IPC.notify, { title: n.title, body: n.body, tag: n.tag }),
  app: {
    version: () => ipcRenderer.invoke(IPC.version),
    checkForUpdates: () => ipcRenderer.invoke(IPC.updateCheck),
    installUpdate: () => ipcRenderer.invoke(IPC.updateInstall),
  },
  openExternal: (url) => ipcRenderer.invoke(IPC.openExternal, url),
};

contextBridge.exposeInMainWorld("cita", bridge);
