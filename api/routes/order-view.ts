import type { OrderView } from '../../contracts/read-models';
import type { OrderResponse } from '../schemas';

/**
 * The order's workflow in the Temporal Web UI. Without a run id the UI opens the latest run,
 * which for an order is its only one (one saga per order id, ever).
 */
export function workflowUiUrl(
  settings: { temporalUiUrl: string; temporalNamespace: string },
  workflowId: string,
): string {
  return workflowUiUrlPrefix(settings) + encodeURIComponent(workflowId);
}

/** A workflow's URL in the Temporal Web UI is this + its id (computed once per router). */
export function workflowUiUrlPrefix(settings: {
  temporalUiUrl: string;
  temporalNamespace: string;
}): string {
  const ui = settings.temporalUiUrl.replace(/\/+$/, '');
  return `${ui}/namespaces/${encodeURIComponent(settings.temporalNamespace)}/workflows/`;
}

/**
 * Picks the documented fields, so storage details (Mongo's _id, projector bookkeeping) never leak.
 * `temporalUiUrl` is given for support callers only: customers have no access to the Temporal UI.
 */
export function toOrderResponse(view: OrderView, temporalUiUrl?: string): OrderResponse {
  return {
    orderId: view.orderId,
    customerId: view.customerId,
    status: view.status,
    ...(view.cancellationReason !== undefined && { cancellationReason: view.cancellationReason }),
    ...(view.cancelledBy !== undefined && { cancelledBy: view.cancelledBy }),
    ...(view.cancellationNote !== undefined && { cancellationNote: view.cancellationNote }),
    ...(view.approval !== undefined && {
      approval: {
        decision: view.approval.decision,
        ...(view.approval.decidedBy !== undefined && { decidedBy: view.approval.decidedBy }),
        ...(view.approval.note !== undefined && { note: view.approval.note }),
      },
    }),
    items: view.items.map((item) => ({
      sku: item.sku,
      quantity: item.quantity,
      ...('unitPrice' in item && { unitPrice: item.unitPrice, lineTotal: item.lineTotal }),
    })),
    ...(view.total !== undefined && { total: view.total }),
    currency: view.currency,
    payment: { status: view.payment.status },
    shipment: {
      status: view.shipment.status,
      ...(view.shipment.trackingNumber !== undefined && {
        trackingNumber: view.shipment.trackingNumber,
      }),
    },
    timeline: view.timeline.map((t) => ({
      sequence: t.sequence,
      type: t.type,
      occurredAt: t.occurredAt,
    })),
    version: view.version,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
    ...(temporalUiUrl !== undefined && { temporalUiUrl }),
  };
}
