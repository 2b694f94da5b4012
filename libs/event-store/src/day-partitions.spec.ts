import { partitionDay, partitionEndsBefore, partitionName } from './day-partitions';

describe('day partitions', () => {
  it('names the partition after the UTC day of the timestamp', () => {
    expect(partitionName(new Date('2025-01-31T23:59:59.999Z'))).toBe('events_p20250131');
    expect(partitionName(new Date('2025-02-01T00:00:00.000Z'))).toBe('events_p20250201');
  });

  it('reads the day back from a partition name and ignores other tables', () => {
    expect(partitionDay('events_p20250131')).toEqual(new Date('2025-01-31T00:00:00Z'));
    expect(partitionDay('events_p20250231')).toBeUndefined();
    expect(partitionDay('events_default')).toBeUndefined();
  });

  it('treats a day as older than the cutoff only when the whole day lies before it', () => {
    const day = new Date('2025-01-01T00:00:00Z');
    expect(partitionEndsBefore(day, new Date('2025-01-02T00:00:00Z'))).toBe(true);
    expect(partitionEndsBefore(day, new Date('2025-01-01T23:59:59Z'))).toBe(false);
  });
});
