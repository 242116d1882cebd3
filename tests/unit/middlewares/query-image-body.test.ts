import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { queryImageBody, takeQueryImage } from '../../../server/src/middlewares/query-image-body';

const MAX_BYTES = 512 * 1024;

/** The middleware in a bare HTTP server; the handler answers 413 or 400 for a refused body, as Strapi's would. */
function serve() {
  const middleware = queryImageBody({ paths: ['/search'], maxBytes: MAX_BYTES });
  return http.createServer((req, res) => {
    const ctx = {
      method: req.method!,
      path: req.url!,
      req,
      request: {},
      state: {},
      is: () => 'multipart',
      set: (name: string, value: string) => res.setHeader(name, value),
    };
    let status = 200;
    void middleware(ctx, async () => {
      try {
        takeQueryImage(ctx.state);
      } catch (error) {
        status = (error as { name: string }).name === 'PayloadTooLargeError' ? 413 : 400;
      }
    }).then(() => {
      res.statusCode = status;
      res.end();
    });
  });
}

describe('query-image-body middleware', () => {
  it('answers a client that sent a little too much only once it has sent it all, so it reads its 413 and no broken pipe', async () => {
    const server = serve().listen(0);
    const { port } = server.address() as AddressInfo;
    const boundary = 'b';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
    const tail = `\r\n--${boundary}--\r\n`;
    const file = Buffer.alloc(MAX_BYTES + 1, 1);
    const outcome = await new Promise<{ status?: number; sentAll: boolean }>((resolve) => {
      // On a connection that closes after the answer, an answer before the end of the body broke the client's pipe.
      const req = http.request({
        port,
        path: '/search',
        method: 'POST',
        headers: {
          Connection: 'close',
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': Buffer.byteLength(head) + file.length + Buffer.byteLength(tail),
        },
      });
      let sentAll = false;
      req.on('response', (res) => resolve({ status: res.statusCode, sentAll }));
      req.on('error', () => resolve({ sentAll }));
      req.write(head);
      req.write(file);
      // The server has passed the limit by now; the rest of the body comes later.
      setTimeout(() => req.end(tail, () => (sentAll = true)), 200);
    });
    server.close();
    expect(outcome).toEqual({ status: 413, sentAll: true });
  });

  it('closes the connection with the answer to a body declared far over the limit', async () => {
    const res = await request(serve())
      .post('/search')
      .attach('image', Buffer.alloc(3 * MAX_BYTES, 1), 'huge.jpg')
      .catch((error) => error.response);
    expect(res?.headers.connection).toBe('close');
  });
});
