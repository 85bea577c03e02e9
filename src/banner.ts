// The start-up banner `npm start` prints once, outside the structured log: where the server is,
// the credentials a newcomer needs, and a purchase ready to paste.

/** What the banner shows. */
export interface BannerInput {
  url: string;
  /** The admin operator's token, when the server generated it (OPERATOR_TOKEN unset). */
  operatorToken: string | undefined;
  /** The demo consumer app's key, when this start created the app (a fresh data directory). */
  demoKey: string | undefined;
}

/** The banner text. */
export function banner({ url, operatorToken, demoKey }: BannerInput): string {
  const purchase = JSON.stringify({
    customerId: 'cust-1',
    subscriber: { firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com' },
    deliveryAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
    payment: { gateway: 'payway', token: 'tok_visa' },
    items: [{ offerId: 'daily-digital' }],
  });
  const lines = [
    '',
    `  Provisioning engine on ${url}   (API docs: ${url}/docs, OpenAPI: ${url}/openapi.json)`,
    '',
    operatorToken
      ? `  Operator token (admin, generated for this run; set OPERATOR_TOKEN to choose it):\n    ${operatorToken}`
      : '  Operator token: the OPERATOR_TOKEN you set (operator "admin", role admin).',
    demoKey
      ? `  Demo consumer app "demo", key (shown once; keep it):\n    ${demoKey}`
      : '  Consumer app key: the one printed when the app was created (the demo app\'s, on the first start).',
    '',
    '  Try a purchase:',
    `    curl -s -X POST ${url}/v1/purchases \\`,
    `      -H "Authorization: Bearer ${demoKey ?? '<consumer-app key>'}" \\`,
    '      -H "Idempotency-Key: $(date +%s%N)" -H "Content-Type: application/json" \\',
    `      -d '${purchase}'`,
    '',
  ];
  return lines.join('\n') + '\n';
}
