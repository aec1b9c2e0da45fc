import { describe, expect, it } from 'vitest';
import { clusterId, occurrence, similarity, templateOf } from './similar.js';

describe('similar incidents (pure)', () => {
  it('a template keeps the words and turns every word holding a digit into <*>', () => {
    expect(templateOf('Disk  91% full on chat-db-1')).toBe('Disk <*> full on <*>');
    expect(templateOf('Queue wait above 10 minutes')).toBe('Queue wait above <*> minutes');
  });

  it('scores 100 for the same dedup key, else the share of template words in common; slots count for nothing', () => {
    expect(similarity({ title: 'a', incident_key: 'k' }, { title: 'b', incident_key: 'k' })).toBe(100);
    expect(similarity({ title: 'Disk 91% full on db-1', incident_key: null }, { title: 'Disk 97% full on db-2', incident_key: null })).toBe(100);
    expect(similarity({ title: 'Disk full on db-1', incident_key: null }, { title: 'Disk slow on db-1', incident_key: null })).toBe(50);
    expect(similarity({ title: 'Queue wait above 10 minutes', incident_key: null }, { title: 'Disk 91% full on 3', incident_key: null })).toBe(0);
  });

  it('anomaly is the only one; rare is at most two or at most 10%; frequent is more', () => {
    expect(occurrence(1, 50).category).toBe('anomaly');
    expect(occurrence(2, 3).category).toBe('rare');
    expect(occurrence(5, 50)).toEqual({ count: 5, frequency: 0.1, category: 'rare' });
    expect(occurrence(6, 50).category).toBe('frequent');
    expect(occurrence(1, 0).frequency).toBe(0);
  });

  it('a cluster id is stable per service and template', () => {
    expect(clusterId('S1', 'Disk <*> full')).toBe(clusterId('S1', 'Disk <*> full'));
    expect(clusterId('S1', 'Disk <*> full')).not.toBe(clusterId('S2', 'Disk <*> full'));
  });
});
