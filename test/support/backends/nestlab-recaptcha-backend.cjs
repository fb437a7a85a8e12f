'use strict';
/**
 * A site's backend written for reCAPTCHA v3 with @nestlab/google-recaptcha, exactly as its README shows, with
 * only the siteverify URL (`network`) and the secret changed to PeerProof's. Plain Node (not Jest): Nest 12 is
 * ESM-only, and this library require()s it, which Node 20.19+ does and Jest's module system cannot.
 *
 * Env: SITEVERIFY_URL, SECRET. Prints `listening <port>` once it serves:
 *   POST /login   @Recaptcha({ action: 'login' })   (the action check the library documents)
 *   POST /signup  @Recaptcha()                      (no action check; score ≥ 0.5 from the module options)
 * The token travels in the `recaptcha` header, as in the README.
 */
require('reflect-metadata');
const { Controller, Module, Post } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const { GoogleRecaptchaModule, Recaptcha } = require('@nestlab/google-recaptcha');

class AccountsController {
  login() {
    return { ok: 'login' };
  }

  signup() {
    return { ok: 'signup' };
  }
}

const method = (name, ...decorators) =>
  Reflect.decorate(
    decorators,
    AccountsController.prototype,
    name,
    Object.getOwnPropertyDescriptor(AccountsController.prototype, name),
  );
method('login', Post('login'), Recaptcha({ action: 'login' }));
method('signup', Post('signup'), Recaptcha());
Reflect.decorate([Controller()], AccountsController);

class AppModule {}
Reflect.decorate(
  [
    Module({
      imports: [
        GoogleRecaptchaModule.forRoot({
          secretKey: process.env.SECRET,
          response: (req) => req.headers.recaptcha,
          network: process.env.SITEVERIFY_URL,
          score: 0.5,
        }),
      ],
      controllers: [AccountsController],
    }),
  ],
  AppModule,
);

async function main() {
  const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`listening ${app.getHttpServer().address().port}\n`);
  const stop = () => app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
