/** The dashboard session: a plain HTML form posts the admin password; the answer is a redirect with a signed cookie. */
import { Type, type Static } from '@sinclair/typebox';

export const LoginForm = Type.Object({
  password: Type.String(),
  /** A local path to go to after login; anything else goes to `/`. */
  next: Type.Optional(Type.String()),
});
export type LoginForm = Static<typeof LoginForm>;
