package dev.lathe.engine.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Owns native tensors. Each thread has a stack of open scopes; every op result belongs to the
 * innermost one (never to an operand's owner), and closing a scope frees what it still owns.
 * {@link #keep} moves a tensor to the enclosing scope. Modules and optimizers own their
 * tensors through a detached scope that is not on the stack and lives until they are closed.
 * With no scope open, results go to the thread's root scope, which is never closed (REPL use).
 */
public final class Scope implements AutoCloseable {
  private static final ThreadLocal<ArrayDeque<Scope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);
  private static final ThreadLocal<Scope> ROOT = ThreadLocal.withInitial(() -> new Scope(null, false));

  private final Scope parent;
  private final boolean onStack;
  private final List<Tensor> owned = new ArrayList<>();
  private boolean closed;

  private Scope(Scope parent, boolean onStack) {
    this.parent = parent;
    this.onStack = onStack;
  }

  /** Opens a scope on this thread's stack; close it (try-with-resources) to free its tensors. */
  public static Scope open() {
    Scope s = new Scope(current(), true);
    STACK.get().push(s);
    return s;
  }

  /** A scope outside the stack, for tensors owned by a long-lived object (module, optimizer). */
  public static Scope detached() {
    return new Scope(null, false);
  }

  /** The innermost open scope of this thread, or the root scope. */
  public static Scope current() {
    Scope s = STACK.get().peek();
    return s != null ? s : ROOT.get();
  }

  void adopt(Tensor t) {
    if (closed) throw new IllegalStateException("cannot add a tensor to a closed scope");
    owned.add(t);
    t.owner = this;
  }

  /** Moves t to the enclosing scope (the root when this is outermost) and returns it. */
  public Tensor keep(Tensor t) {
    (parent != null ? parent : ROOT.get()).adopt(t);
    return t;
  }

  /** Moves t into this scope (e.g. a module taking ownership of a freshly made parameter). */
  public Tensor own(Tensor t) {
    adopt(t);
    return t;
  }

  public int size() {
    int n = 0;
    for (Tensor t : owned) if (t.owner == this && !t.isFreed()) n++;
    return n;
  }

  @Override
  public void close() {
    if (closed) return;
    if (onStack) {
      ArrayDeque<Scope> st = STACK.get();
      if (st.peek() != this) {
        throw new IllegalStateException("scopes must close innermost first (a scope was left open inside this one)");
      }
      st.pop();
    }
    closed = true;
    for (Tensor t : owned) if (t.owner == this) t.free();
    owned.clear();
  }
}
