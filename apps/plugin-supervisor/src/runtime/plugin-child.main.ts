import 'reflect-metadata';
import { hostPlugin } from '@voxbridge/plugin-sdk';

/**
 * The entry of every plugin child process (forked by PluginProcess): one plugin, driven over the
 * IPC channel. The module is loaded by path or package name, as a third party's would be.
 */
hostPlugin(
  process,
  // A plugin is loaded at run time, by its path or package name.
  (modulePath) => require(modulePath) as unknown,
  (code) => process.exit(code),
);
