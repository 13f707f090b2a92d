// Entry point of the workflow bundle (workers load it with `workflowsPath`).
export { orderSaga } from './order-saga';
