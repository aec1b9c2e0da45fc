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
    let work = false;
    for (const c of changes) {
      this.ee.emit('incident', c);
      // An alert joining an open incident schedules nothing (no page, no webhook): during
      // an alert storm on one service the engine is not woken for every batch.
      if (c.kind !== 'alert') work = true;
    }
    if (work) this.ee.emit('work');
  }
  onIncident(fn: (c: IncidentChange) => void): () => void {
    this.ee.on('incident', fn);
    return () => this.ee.off('incident', fn);
  }
  /** Work was committed that no incident change describes (a queued test message, say). */
  poke(): void {
    this.ee.emit('work');
  }
  /** Called once per publish that holds work for the engine (not per change), and on poke: the engine's wake-up. */
  onWork(fn: () => void): () => void {
    this.ee.on('work', fn);
    return () => this.ee.off('work', fn);
  }
}
