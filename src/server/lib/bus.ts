import { EventEmitter } from 'node:events';

/**
 * In-process signal that something committed: the engine wakes on it (DESIGN.md §5)
 * and live views subscribe to it. It carries no state that matters after a crash;
 * the rows do. Published only after the transaction commits.
 */
export interface IncidentChange {
  orgId: string;
  incidentId: string;
  serviceId: string;
  kind: 'triggered' | 'acknowledged' | 'unacknowledged' | 'resolved' | 'alert' | 'annotated' | 'assigned' | 'updated';
}

export class Bus {
  private readonly ee = new EventEmitter();
  constructor() {
    this.ee.setMaxListeners(0);
  }
  publish(changes: IncidentChange[]): void {
    for (const c of changes) this.ee.emit('incident', c);
    if (changes.length) this.ee.emit('work');
  }
  onIncident(fn: (c: IncidentChange) => void): () => void {
    this.ee.on('incident', fn);
    return () => this.ee.off('incident', fn);
  }
  /** Work was committed that no incident change describes (a queued test message, say). */
  poke(): void {
    this.ee.emit('work');
  }
  /** Called once per publish (not per change) and on poke: the engine's wake-up. */
  onWork(fn: () => void): () => void {
    this.ee.on('work', fn);
    return () => this.ee.off('work', fn);
  }
}
