/** Test helpers of common/systemd, for tests elsewhere (test code only): a stand-in notify socket. */
export { NOTIFY_MANAGER_SCRIPT, startNotifyManager, type NotifyManager, type NotifyMessage } from './notify-manager.js';
