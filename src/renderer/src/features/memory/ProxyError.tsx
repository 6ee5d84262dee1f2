import { proxyErrorTitle } from './memory';
import { type NodeFailure } from '../../store';
import { NodeFailureAlert } from '../../components/NodeFailureAlert';

/** An error from the node: what it means, its message and its code (for support and scripts). */
export function ProxyError(props: { failure: NodeFailure; testId: string; prefix?: string }) {
  return (
    <NodeFailureAlert
      failure={props.failure}
      title={proxyErrorTitle(props.failure)}
      testId={props.testId}
      prefix={props.prefix}
    />
  );
}
