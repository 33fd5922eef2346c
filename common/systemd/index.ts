/** systemd integration for the long-running programs: sd_notify READY=1, STOPPING=1 and the watchdog. */
export { SystemdNotifier, watchdogInterval, type NotifierOptions, type SystemdEnv } from './notifier.js';
export { systemdNotifyCommand, type NotifySend } from './notify-command.js';
