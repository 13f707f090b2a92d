import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import {
  approveOrderUpdate,
  CancelOrderInput,
  cancelOrderUpdate,
  confirmPaymentUpdate,
  getOrderStateQuery,
  PaymentConfirmation,
  rejectOrderUpdate,
  retryCompensationUpdate,
  SupportDecision,
} from './messages';
import {
  cancelRejection,
  confirmationRejection,
  decisionRejection,
  retryRejection,
} from './order-state';
import { parse } from './saga-run';
import type { Decision } from './order-state';
import type { SagaRun } from './saga-run';
import type { UpdateRejection } from './update-rejections';

// The order workflow's query and updates. Handlers only record what arrived (the inbox) or
// cancel the forward path; the saga acts on it. Validators refuse a message that does not fit
// the order's state, before it is accepted into history.

/** A refused update fails with the reason as its type (the API maps it, never the message). */
function refuse(rejection: UpdateRejection | undefined): void {
  if (rejection)
    throw ApplicationFailure.create({
      type: rejection.reason,
      message: rejection.message,
      nonRetryable: true,
    });
}

/** Who decided and why, keeping only what was given (the events carry no empty fields). */
function decisionOf(decidedBy: string | undefined, note: string | undefined): Decision {
  return { ...(decidedBy !== undefined && { decidedBy }), ...(note !== undefined && { note }) };
}

export function registerOrderHandlers(run: SagaRun): void {
  const { state, inbox } = run;
  setHandler(getOrderStateQuery, () => run.snapshot());

  setHandler(
    cancelOrderUpdate,
    (request) => {
      if (!state.cancellationRequested) {
        state.cancellationRequested = true;
        inbox.cancellation = decisionOf(request.decidedBy, request.reason);
        run.scope.cancel();
      }
      return run.snapshot();
    },
    {
      validator: (request) => {
        parse(CancelOrderInput, request, 'cancellation');
        refuse(cancelRejection(state));
      },
    },
  );

  const decide = (approved: boolean) => (request: SupportDecision) => {
    inbox.decision = { approved, ...decisionOf(request.decidedBy, request.note) };
    return run.snapshot();
  };
  const decisionValidator = (request: SupportDecision) => {
    parse(SupportDecision, request, 'decision');
    refuse(decisionRejection(state, inbox.decision !== undefined));
  };
  setHandler(approveOrderUpdate, decide(true), { validator: decisionValidator });
  setHandler(rejectOrderUpdate, decide(false), { validator: decisionValidator });

  setHandler(
    confirmPaymentUpdate,
    (request) => {
      inbox.confirmation = request;
      return run.snapshot();
    },
    {
      validator: (request) => {
        const { paymentId } = parse(PaymentConfirmation, request, 'payment confirmation');
        refuse(
          confirmationRejection(
            state,
            {
              awaitingConfirmation: inbox.awaitingConfirmation,
              confirmed: inbox.confirmation !== undefined,
            },
            paymentId,
          ),
        );
      },
    },
  );

  setHandler(
    retryCompensationUpdate,
    () => {
      inbox.retryRequested = true;
      return run.snapshot();
    },
    {
      validator: (request) => {
        parse(SupportDecision, request, 'retry request');
        refuse(retryRejection(state, inbox.retryRequested));
      },
    },
  );
}
