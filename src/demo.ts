// The scripted demo (`npm run demo`, `npm start -- --demo`): a happy purchase, a "Doe's" that
// fails, is fixed and reprocessed, and one closed by a CSR, each item's events printed.
import { EventStatus, parsePurchase, type PurchaseInput } from './domain/index.ts';
import type { Product } from './product.ts';

const STATUS_NAMES: Record<number, string> = Object.fromEntries(Object.entries(EventStatus).map(([name, code]) => [code, name]));

function body(lastName: string, token: string, email: string): PurchaseInput {
  return parsePurchase({
    customerId: 'demo-customer',
    subscriber: { firstName: 'Jane', lastName, email },
    deliveryAddress: { line1: '1 Main St', unit: '4B', city: 'springfield', postalCode: '12345', country: 'US' },
    payment: { gateway: 'payway', token },
    items: [{ offerId: 'daily-digital' }],
  });
}

/** Runs the demo against a started product, printing as it goes. */
export async function runDemo(product: Product, print: (line: string) => void = console.log): Promise<void> {
  const { engine, sims } = product;
  if (!engine.getApp('demo')) await engine.putApp({ id: 'demo', name: 'Demo storefront', processSync: false, lookupStrategy: 'email-only' });
  const run = Date.now().toString(36);

  const settled = async (itemId: string) => {
    const view = await engine.settled(itemId);
    if (!view) throw new Error(`item ${itemId} disappeared`);
    return view;
  };
  const place = async (title: string, purchase: PurchaseInput) => {
    print(`\n== ${title}`);
    const outcome = await engine.placeOrder({ appId: 'demo', idempotencyKey: `${run}-${title}`, purchase });
    if (outcome.kind !== 'accepted') throw new Error(`unexpected outcome ${outcome.kind}`);
    const [item] = outcome.items;
    print(`answered: order ${outcome.orderId}, item ${item.itemId}, temporary account ${item.temporaryAccountNumber}`);
    return { itemId: item.itemId, startEventId: item.startEventId, view: await settled(item.itemId) };
  };
  const show = (startEventId: string) => {
    const start = engine.getStartDetail(startEventId)!;
    for (const event of [start, ...start.children]) {
      const status = `${event.status} ${STATUS_NAMES[event.status]}`.padEnd(14);
      const note = event.errorMessage ? `  ${event.errorCategory}: ${event.errorMessage}` : '';
      print(`  ${String(event.typeCode).padStart(4)} ${event.typeName.padEnd(20)} ${status} attempts ${event.attempts}  account ${event.accountNumber}${note}`);
    }
  };
  const ledger = (itemId: string) =>
    print(`  ledger: ${sims.controls.ledger({ itemId }).map((e) => `${e.system}:${e.operation}`).join(', ')}`);

  const happy = await place('happy purchase', body('Doe', 'tok_visa', `jane.${run}@example.com`));
  print(`item is ${happy.view.status}, permanent account ${happy.view.accountNumber}`);
  show(happy.startEventId);
  ledger(happy.itemId);

  const doe = await place("Doe's fails CREATESUBSCRIBER", body("Doe's", 'tok_visa', `john.${run}@example.com`));
  print(`item is ${doe.view.status}: ${doe.view.errorMessage}`);
  show(doe.startEventId);
  await engine.updateStart(doe.startEventId, { subscriber: { lastName: 'Doe' } }, 'demo-csr');
  print('CSR updated the last name to "Doe" and reprocessed');
  await engine.reprocessStart(doe.startEventId, 'demo-csr');
  const fixed = await settled(doe.itemId);
  print(`item is ${fixed.status}, permanent account ${fixed.accountNumber}`);
  show(doe.startEventId);

  const closed = await place('capture fails, CSR closes', body('Roe', 'tok_capture_fail', `rita.${run}@example.com`));
  print(`item is ${closed.view.status}: ${closed.view.errorMessage}`);
  await engine.closeStart(closed.startEventId, 'demo-csr');
  const after = await settled(closed.itemId);
  print(`CSR closed it: item is ${after.status}; the authorization was voided and the subscription stopped`);
  show(closed.startEventId);
  ledger(closed.itemId);
}
