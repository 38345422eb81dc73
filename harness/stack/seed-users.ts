// The users supabase/seed.sql creates, by the fixed ids it gives them, so the stack can hand each a
// token in stack.json and scenarios and people can name them. Kept in step with seed.sql by hand.
export const ALICE = { id: 'a11ce000-0000-4000-8000-000000000001', email: 'alice@example.test' } as const;
export const BOB = { id: 'b0b00000-0000-4000-8000-000000000002', email: 'bob@example.test' } as const;
