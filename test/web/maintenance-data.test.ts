import { describe, expect, it } from 'vitest';
import { recurrenceLabel, windowRequest } from '../../src/web/data/maintenance';

describe('maintenance window form (web data layer)', () => {
  const form = { serviceIds: ['S1', 'S2'], start: '2026-03-08T02:00', end: '2026-03-08T04:00', description: '  Weekly patching ', weekly: false, timeZone: 'Europe/Paris' };

  it('sends local times with the zone they were entered in, and the services as references', () => {
    expect(windowRequest(form)).toEqual({
      type: 'maintenance_window',
      start_time: '2026-03-08T02:00',
      end_time: '2026-03-08T04:00',
      services: [
        { id: 'S1', type: 'service_reference' },
        { id: 'S2', type: 'service_reference' },
      ],
      time_zone: 'Europe/Paris',
      description: 'Weekly patching',
    });
  });

  it('repeats a weekly window on its start’s weekday', () => {
    expect(windowRequest({ ...form, weekly: true }).recurrence).toBe('FREQ=WEEKLY;BYDAY=SU');
    expect(windowRequest({ ...form, weekly: true, start: '2026-03-09T23:30', end: '2026-03-10T00:30' }).recurrence).toBe('FREQ=WEEKLY;BYDAY=MO');
    expect(windowRequest({ ...form, description: ' ' })).not.toHaveProperty('description');
  });

  it('labels the rules it makes', () => {
    expect(recurrenceLabel('FREQ=WEEKLY;BYDAY=SU')).toBe('Every Sunday');
    expect(recurrenceLabel('FREQ=WEEKLY;BYDAY=MO,TH')).toBe('Every Monday, Thursday');
    expect(recurrenceLabel('FREQ=MONTHLY;BYDAY=1SU')).toBe('FREQ=MONTHLY;BYDAY=1SU');
    expect(recurrenceLabel(null)).toBeNull();
  });
});
