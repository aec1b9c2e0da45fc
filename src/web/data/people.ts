import { api, withQuery } from './client';
import type { ContactMethod, NotificationRule, Role, TestPageQueued, User, UserPatch } from './types';

/** The signed-in person as PagerDuty's GET /users/me answers (with their `locale`). */
export const me = () => api<{ user: User }>('GET', '/api/v1/users/me').then((r) => r.user);
export const listUsers = () => api<{ users: User[] }>('GET', withQuery('/api/v1/users', { limit: 100 })).then((r) => r.users);
export const updateUser = (id: string, patch: UserPatch) => api<{ user: User }>('PUT', `/api/v1/users/${encodeURIComponent(id)}`, { user: patch });
export const removeUser = (id: string) => api<void>('DELETE', `/api/v1/users/${encodeURIComponent(id)}`);

export const contactMethods = (userId: string) => api<{ contact_methods: ContactMethod[] }>('GET', `/api/v1/users/${encodeURIComponent(userId)}/contact_methods`).then((r) => r.contact_methods);
export const addContactMethod = (userId: string, type: string, address: string, label: string, extra: { access_token?: string; room_id?: string; matrix_user_id?: string } = {}) =>
  api<{ contact_method: ContactMethod }>('POST', `/api/v1/users/${encodeURIComponent(userId)}/contact_methods`, { contact_method: { type, address, label: label || type, ...extra } }).then((r) => r.contact_method);
export const removeContactMethod = (userId: string, id: string) => api<void>('DELETE', `/api/v1/users/${encodeURIComponent(userId)}/contact_methods/${encodeURIComponent(id)}`);
export const sendVerification = (userId: string, id: string) => api('POST', `/api/v1/users/${encodeURIComponent(userId)}/contact_methods/${encodeURIComponent(id)}/send_verification`);
export const verify = (userId: string, id: string, code: string) => api('POST', `/api/v1/users/${encodeURIComponent(userId)}/contact_methods/${encodeURIComponent(id)}/verify`, { code });

export const notificationRules = (userId: string) => api<{ notification_rules: NotificationRule[] }>('GET', `/api/v1/users/${encodeURIComponent(userId)}/notification_rules`).then((r) => r.notification_rules);
export const addNotificationRule = (userId: string, contactMethodId: string, delay: number, urgency: string) =>
  api('POST', `/api/v1/users/${encodeURIComponent(userId)}/notification_rules`, { notification_rule: { contact_method: { id: contactMethodId }, start_delay_in_minutes: delay, urgency } });
export const removeNotificationRule = (userId: string, id: string) => api<void>('DELETE', `/api/v1/users/${encodeURIComponent(userId)}/notification_rules/${encodeURIComponent(id)}`);
export const sendTestPage = (userId: string) => api<TestPageQueued>('POST', `/api/v1/users/${encodeURIComponent(userId)}/test_page`);

export const ROLES = ['owner', 'admin', 'responder', 'volunteer', 'observer'] as const satisfies readonly Role[];
export const canManage = (role: string) => role === 'owner' || role === 'admin';
export const canRespond = (role: string) => role !== 'observer';
