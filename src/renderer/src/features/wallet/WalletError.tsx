import { ErrorCode } from '../../../../shared/errors';
import { formatRelative, formatTime } from '../../format';
import { type NodeFailure } from '../../store';
import { walletErrorTitle } from './wallet';
import { NodeFailureAlert } from '../../components/NodeFailureAlert';

export function When(props: { iso: string; now: number }) {
  return (
    <>
      <time dateTime={props.iso}>{formatTime(props.iso)}</time>{' '}
      <span className="note">({formatRelative(props.iso, props.now)})</span>
    </>
  );
}

export const isLedgerDown = (failure: NodeFailure | undefined) => failure?.code === ErrorCode.LedgerUnavailable;

/** An error from the node, by its code, with its message and the code itself (for support and scripts). */
export function NodeError(props: { failure: NodeFailure; testId: string; prefix?: string }) {
  return (
    <NodeFailureAlert
      failure={props.failure}
      title={walletErrorTitle(props.failure.code)}
      testId={props.testId}
      prefix={props.prefix}
    />
  );
}
