import {
  CDC_ERROR_CODES,
  CdcError,
  ChangeStreamHistoryLost,
  MongoNotReplicaSet,
  NoFreeReplicationSlot,
  NoFreeWalSender,
  PossibleGap,
  PublicationIncomplete,
  ReplicationPrivilegeMissing,
  ReplicationStreamLost,
  SetupPermissionDenied,
  SlotInUse,
  SlotMismatch,
  TableNotFound,
  TableWithoutReplicaIdentity,
  WalLevelNotLogical,
} from './errors';
import { translateReplicationError } from './postgres/replication-connection';

describe('cdc-listener errors', () => {
  it('has one class per code, each carrying its own code', () => {
    const errors: CdcError[] = [
      new WalLevelNotLogical('replica'),
      new ReplicationPrivilegeMissing('app'),
      new NoFreeReplicationSlot('10 of 10'),
      new NoFreeWalSender(),
      new TableNotFound(['public.x']),
      new TableWithoutReplicaIdentity(['public.x']),
      new PublicationIncomplete('x'),
      new SetupPermissionDenied('x'),
      new SlotMismatch('x'),
      new SlotInUse('x'),
      new PossibleGap('x'),
      new ReplicationStreamLost('x'),
      new MongoNotReplicaSet('x'),
      new ChangeStreamHistoryLost('x'),
    ];
    expect(errors.map((error) => error.code)).toEqual([...CDC_ERROR_CODES]);
    expect(errors.filter((error) => error.retryable).map((error) => error.code)).toEqual([
      'NO_FREE_WAL_SENDER',
      'SLOT_IN_USE',
      'REPLICATION_STREAM_LOST',
    ]);
  });

  it('names the fix in the message', () => {
    expect(new WalLevelNotLogical('replica').message).toMatch(
      /wal_level=replica.*ALTER SYSTEM SET wal_level = logical/,
    );
    expect(new ReplicationPrivilegeMissing('app').message).toContain('ALTER ROLE "app" WITH REPLICATION');
    expect(new NoFreeReplicationSlot('max 10, 10 in use').message).toMatch(
      /pg_drop_replication_slot.*max_replication_slots/,
    );
  });

  it('turns PostgreSQL’s slot and WAL sender errors into errors naming the fix', () => {
    const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(translateReplicationError(pgError('53400', 'all replication slots are in use'), 's')).toBeInstanceOf(
      NoFreeReplicationSlot,
    );
    expect(
      translateReplicationError(
        pgError('53300', 'number of requested standby connections exceeds max_wal_senders'),
        's',
      ),
    ).toBeInstanceOf(NoFreeWalSender);
    expect(translateReplicationError(pgError('55006', 'replication slot "s" is active for PID 7'), 's')).toBeInstanceOf(
      SlotInUse,
    );
    const other = pgError('42P01', 'nope');
    expect(translateReplicationError(other, 's')).toBe(other);
  });
});
