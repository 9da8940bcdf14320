package dev.lathe.engine.tensor;

import dev.lathe.ffi.Ops;
import dev.lathe.ffi.Torch;
import java.util.Arrays;

/**
 * A libtorch tensor. Results of every method belong to the innermost open {@link Scope}.
 * Shapes in comments read [b, s, v] (batch, sequence, vocabulary). Methods ending in an
 * underscore work in place and return this. Creation lives in {@link Tensors}.
 */
public final class Tensor implements AutoCloseable {
  private long handle;
  Scope owner;
  private DType dtype; // cached: a tensor's dtype never changes

  Tensor(long handle) {
    if (handle == 0) throw new IllegalStateException("libtorch returned an undefined tensor");
    this.handle = handle;
    if (LeakTrace.ON) LeakTrace.created(this);
  }

  /** Wraps a fresh handle into the current scope. */
  // tensors wrapped so far (all threads; racy increments, a diagnostic): one per tensor-returning native call
  static long wrapped;

  static Tensor wrap(long h) {
    wrapped++;
    Tensor t = new Tensor(h);
    Scope.current().adopt(t);
    return t;
  }

  static Tensor[] wrapAll(long[] hs) {
    Tensor[] ts = new Tensor[hs.length];
    for (int i = 0; i < hs.length; i++) ts[i] = wrap(hs[i]);
    return ts;
  }

  /** The raw handle, for the engine's own bridges (safetensors, dispatcher). */
  public long handle() {
    if (handle == 0) throw new IllegalStateException("tensor used after it was freed (its scope closed)");
    return handle;
  }

  public boolean isFreed() { return handle == 0; }

  void free() {
    if (handle != 0) {
      Torch.free(handle);
      handle = 0;
      if (LeakTrace.ON) LeakTrace.freed(this);
    }
  }

  /** Frees now, whatever scope owns it. */
  @Override
  public void close() { free(); }

  /** Another Tensor object on the same storage, owned by the current scope (cheap). */
  public Tensor share() { return wrap(Torch.share(handle())); }

  // ---------------------------------------------------------------- metadata
  public long[] shape() { return Torch.sizes(handle()); }
  public long size(int dim) { long[] s = shape(); return s[dim < 0 ? dim + s.length : dim]; }
  public int dim() { return Torch.dim(handle()); }
  public long numel() { return Torch.numel(handle()); }
  public DType dtype() { return dtype != null ? dtype : (dtype = DType.ofCode(Torch.dtype(handle()))); }
  public Device device() { long h = handle(); return new Device(Torch.deviceType(h), Torch.deviceIndex(h)); }
  public boolean requiresGrad() { return Torch.requiresGrad(handle()); }
  public boolean isLeaf() { return Torch.isLeaf(handle()); }

  private boolean intScalar(double v) { return dtype().isIntegral() && v == Math.rint(v); }

  // ---------------------------------------------------------------- conversion
  public Tensor to(DType dt) { return wrap(Ops.toDtype(handle(), dt.code)); }
  public Tensor to(Device d) { return wrap(Ops.toDevice(handle(), d.type(), d.index())); }
  public Tensor toFloat() { return to(DType.F32); }
  public Tensor toLong() { return to(DType.I64); }
  /** A deep copy (autograd-tracked, like torch's clone). */
  @Override public Tensor clone() { return wrap(Ops.clone(handle())); }
  public Tensor contiguous() { return wrap(Ops.contiguous(handle())); }
  public Tensor detach() { return wrap(Ops.detach(handle())); }
  public double item() { return Torch.itemDouble(handle()); }
  public long itemLong() { return Torch.itemLong(handle()); }
  public boolean itemBool() { return Torch.itemLong(handle()) != 0; }
  public float[] toFloatArray() { return TensorData.floats(this); }
  public double[] toDoubleArray() { return TensorData.doubles(this); }
  public long[] toLongArray() { return TensorData.longs(this); }
  public int[] toIntArray() { return TensorData.ints(this); }
  public boolean[] toBooleanArray() { return TensorData.booleans(this); }
  /** Raw little-endian bytes, contiguous, in this tensor's dtype. */
  public byte[] toBytes() { return TensorData.bytes(this); }

  // ---------------------------------------------------------------- autograd
  public Tensor requiresGrad_(boolean on) { Ops.requiresGrad_(handle(), on); return this; }
  public void backward() { Torch.backward(handle(), 0, false, false); }
  public void backward(Tensor grad, boolean retainGraph, boolean createGraph) {
    Torch.backward(handle(), grad == null ? 0 : grad.handle(), retainGraph, createGraph);
  }
  /** The accumulated gradient (a new handle in the current scope), or null. */
  public Tensor grad() { long g = Torch.grad(handle()); return g == 0 ? null : wrap(g); }
  public void setGrad(Tensor g) { Torch.setGrad(handle(), g == null ? 0 : g.handle()); }
  /** Drops the gradient (like zero_grad(set_to_none=True)). */
  public void zeroGrad() { Torch.setGrad(handle(), 0); }

  // ---------------------------------------------------------------- shape
  public Tensor view(long... shape) { return wrap(Ops.view(handle(), shape)); }
  public Tensor reshape(long... shape) { return wrap(Ops.reshape(handle(), shape)); }
  public Tensor permute(long... dims) { return wrap(Ops.permute(handle(), dims)); }
  public Tensor transpose(long d0, long d1) { return wrap(Ops.transpose(handle(), d0, d1)); }
  public Tensor t() { return transpose(-2, -1); }
  public Tensor narrow(long dim, long start, long length) { return wrap(Ops.narrow(handle(), dim, start, length)); }
  public Tensor select(long dim, long index) { return wrap(Ops.select(handle(), dim, index)); }
  /** Python's x[start:end:step] along dim; null bounds mean open ends, negatives count from the end. */
  public Tensor slice(long dim, Long start, Long end, long step) {
    return wrap(Ops.slice(handle(), dim, start == null ? Ops.NONE : start, end == null ? Ops.NONE : end, step));
  }
  public Tensor slice(long dim, long start, long end) { return slice(dim, start, end, 1); }
  public Tensor squeeze(long dim) { return wrap(Ops.squeeze(handle(), dim)); }
  public Tensor squeeze() { return wrap(Ops.squeezeAll(handle())); }
  public Tensor unsqueeze(long dim) { return wrap(Ops.unsqueeze(handle(), dim)); }
  public Tensor flatten(long start, long end) { return wrap(Ops.flatten(handle(), start, end)); }
  public Tensor flatten() { return flatten(0, -1); }
  public Tensor expand(long... shape) { return wrap(Ops.expand(handle(), shape)); }
  public Tensor repeat(long... repeats) { return wrap(Ops.repeat(handle(), repeats)); }
  public Tensor repeatInterleave(long repeats, long dim) { return wrap(Ops.repeatInterleave(handle(), repeats, dim)); }
  public Tensor flip(long... dims) { return wrap(Ops.flip(handle(), dims)); }
  public Tensor roll(long[] shifts, long[] dims) { return wrap(Ops.roll(handle(), shifts, dims)); }
  public Tensor[] split(long size, long dim) { return wrapAll(Ops.split(handle(), size, dim)); }
  public Tensor[] split(long[] sizes, long dim) { return wrapAll(Ops.splitSizes(handle(), sizes, dim)); }
  public Tensor[] chunk(long chunks, long dim) { return wrapAll(Ops.chunk(handle(), chunks, dim)); }
  public Tensor[] unbind(long dim) { return wrapAll(Ops.unbind(handle(), dim)); }
  public Tensor indexSelect(long dim, Tensor index) { return wrap(Ops.indexSelect(handle(), dim, index.handle())); }
  /** x[index] along dim 0 with an integer or boolean index tensor. */
  public Tensor index(Tensor index) { return wrap(Ops.indexTensor(handle(), index.handle())); }
  public Tensor gather(long dim, Tensor index) { return wrap(Ops.gather(handle(), dim, index.handle())); }
  public Tensor scatter(long dim, Tensor index, Tensor src) { return wrap(Ops.scatter(handle(), dim, index.handle(), src.handle())); }
  public Tensor scatterAdd(long dim, Tensor index, Tensor src) { return wrap(Ops.scatterAdd(handle(), dim, index.handle(), src.handle())); }
  public Tensor indexAdd(long dim, Tensor index, Tensor src) { return wrap(Ops.indexAdd(handle(), dim, index.handle(), src.handle())); }
  public Tensor maskedFill(Tensor mask, double v) { return wrap(Ops.maskedFill(handle(), mask.handle(), v, intScalar(v))); }
  public Tensor maskedSelect(Tensor mask) { return wrap(Ops.maskedSelect(handle(), mask.handle())); }
  public Tensor nonzero() { return wrap(Ops.nonzero(handle())); }
  public Tensor tril(long k) { return wrap(Ops.tril(handle(), k)); }
  public Tensor triu(long k) { return wrap(Ops.triu(handle(), k)); }
  /** Constant padding, torch.nn.functional.pad order: last dim first, (left, right) pairs. */
  public Tensor pad(long[] pad, double value) { return wrap(Ops.pad(handle(), pad, value, intScalar(value))); }

  // ---------------------------------------------------------------- arithmetic (broadcasting)
  // alpha must be integral for integer tensors; a double alpha is the cheaper path for float ones
  public Tensor add(Tensor o) { return wrap(Ops.add(handle(), o.handle(), 1, dtype().isIntegral())); }
  public Tensor add(Tensor o, double alpha) { return wrap(Ops.add(handle(), o.handle(), alpha, intScalar(alpha))); }
  public Tensor sub(Tensor o) { return wrap(Ops.sub(handle(), o.handle(), 1, dtype().isIntegral())); }
  public Tensor mul(Tensor o) { return wrap(Ops.mul(handle(), o.handle())); }
  public Tensor div(Tensor o) { return wrap(Ops.div(handle(), o.handle())); }
  public Tensor add(double v) { return wrap(Ops.addScalar(handle(), v, intScalar(v))); }
  public Tensor sub(double v) { return wrap(Ops.subScalar(handle(), v, intScalar(v))); }
  /** v - this. */
  public Tensor rsub(double v) { return wrap(Ops.rsubScalar(handle(), v, intScalar(v))); }
  public Tensor mul(double v) { return wrap(Ops.mulScalar(handle(), v, intScalar(v))); }
  public Tensor div(double v) { return wrap(Ops.divScalar(handle(), v, false)); }
  public Tensor remainder(double v) { return wrap(Ops.remainder(handle(), v, intScalar(v))); }
  public Tensor floorDivide(double v) { return wrap(Ops.floorDivide(handle(), v, intScalar(v))); }
  public Tensor pow(double e) { return wrap(Ops.pow(handle(), e, false)); }
  public Tensor pow(Tensor e) { return wrap(Ops.powTensor(handle(), e.handle())); }
  public Tensor neg() { return wrap(Ops.neg(handle())); }
  public Tensor abs() { return wrap(Ops.abs(handle())); }
  public Tensor sign() { return wrap(Ops.sign(handle())); }
  public Tensor exp() { return wrap(Ops.exp(handle())); }
  public Tensor log() { return wrap(Ops.log(handle())); }
  public Tensor log1p() { return wrap(Ops.log1p(handle())); }
  public Tensor expm1() { return wrap(Ops.expm1(handle())); }
  public Tensor sqrt() { return wrap(Ops.sqrt(handle())); }
  public Tensor rsqrt() { return wrap(Ops.rsqrt(handle())); }
  public Tensor reciprocal() { return wrap(Ops.reciprocal(handle())); }
  public Tensor sin() { return wrap(Ops.sin(handle())); }
  public Tensor cos() { return wrap(Ops.cos(handle())); }
  public Tensor tanh() { return wrap(Ops.tanh(handle())); }
  public Tensor floor() { return wrap(Ops.floor(handle())); }
  public Tensor ceil() { return wrap(Ops.ceil(handle())); }
  public Tensor round() { return wrap(Ops.round(handle())); }
  public Tensor clamp(double lo, double hi) { return wrap(Ops.clamp(handle(), lo, hi)); }
  public Tensor clampMin(double lo) { return wrap(Ops.clamp(handle(), lo, Double.NaN)); }
  public Tensor clampMax(double hi) { return wrap(Ops.clamp(handle(), Double.NaN, hi)); }
  public Tensor minimum(Tensor o) { return wrap(Ops.minimum(handle(), o.handle())); }
  public Tensor maximum(Tensor o) { return wrap(Ops.maximum(handle(), o.handle())); }
  public Tensor lerp(Tensor end, double w) { return wrap(Ops.lerp(handle(), end.handle(), w, false)); }

  // ---------------------------------------------------------------- activations
  public Tensor sigmoid() { return wrap(Ops.sigmoid(handle())); }
  public Tensor logsigmoid() { return wrap(Ops.logsigmoid(handle())); }
  public Tensor relu() { return wrap(Ops.relu(handle())); }
  public Tensor silu() { return wrap(Ops.silu(handle())); }
  public Tensor gelu(boolean tanhApprox) { return wrap(Ops.gelu(handle(), tanhApprox ? "tanh" : "none")); }
  public Tensor softplus() { return wrap(Ops.softplus(handle(), 1, false, 20, false)); }
  public Tensor softmax(long dim) { return wrap(Ops.softmax(handle(), dim, -1)); }
  public Tensor softmax(long dim, DType dt) { return wrap(Ops.softmax(handle(), dim, dt.code)); }
  public Tensor logSoftmax(long dim) { return wrap(Ops.logSoftmax(handle(), dim, -1)); }
  public Tensor logSoftmax(long dim, DType dt) { return wrap(Ops.logSoftmax(handle(), dim, dt.code)); }
  public Tensor dropout(double p, boolean train) { return wrap(Ops.dropout(handle(), p, train)); }

  // ---------------------------------------------------------------- linear algebra
  public Tensor matmul(Tensor o) { return wrap(Ops.matmul(handle(), o.handle())); }
  public Tensor mm(Tensor o) { return wrap(Ops.mm(handle(), o.handle())); }
  public Tensor bmm(Tensor o) { return wrap(Ops.bmm(handle(), o.handle())); }
  public Tensor outer(Tensor o) { return wrap(Ops.outer(handle(), o.handle())); }
  /** this @ weight^T + bias, with weight [out, in]; bias may be null. */
  public Tensor linear(Tensor weight, Tensor bias) {
    return wrap(Ops.linear(handle(), weight.handle(), bias == null ? 0 : bias.handle()));
  }

  // ---------------------------------------------------------------- reductions
  public Tensor sum() { return wrap(Ops.sum(handle(), -1)); }
  public Tensor sum(long dim, boolean keepdim) { return wrap(Ops.sumDim(handle(), new long[]{dim}, keepdim, -1)); }
  public Tensor sum(long[] dims, boolean keepdim) { return wrap(Ops.sumDim(handle(), dims, keepdim, -1)); }
  public Tensor mean() { return wrap(Ops.mean(handle(), -1)); }
  public Tensor mean(long dim, boolean keepdim) { return wrap(Ops.meanDim(handle(), new long[]{dim}, keepdim, -1)); }
  public Tensor prod() { return wrap(Ops.prod(handle(), -1)); }
  public Tensor max() { return wrap(Ops.max(handle())); }
  public Tensor min() { return wrap(Ops.min(handle())); }
  /** {values, indices} along dim. */
  public Tensor[] max(long dim, boolean keepdim) { return wrapAll(Ops.maxDim(handle(), dim, keepdim)); }
  public Tensor[] min(long dim, boolean keepdim) { return wrapAll(Ops.minDim(handle(), dim, keepdim)); }
  public Tensor argmax() { return wrap(Ops.argmax(handle(), Ops.NONE, false)); }
  public Tensor argmax(long dim, boolean keepdim) { return wrap(Ops.argmax(handle(), dim, keepdim)); }
  public Tensor argmin(long dim, boolean keepdim) { return wrap(Ops.argmin(handle(), dim, keepdim)); }
  public Tensor logsumexp(long dim, boolean keepdim) { return wrap(Ops.logsumexp(handle(), new long[]{dim}, keepdim)); }
  /** Standard deviation with Bessel's correction (unbiased, torch's default). */
  public Tensor std() { return wrap(Ops.std(handle(), null, 1, false)); }
  public Tensor std(long dim, boolean unbiased, boolean keepdim) { return wrap(Ops.std(handle(), new long[]{dim}, unbiased ? 1 : 0, keepdim)); }
  public Tensor var(long dim, boolean unbiased, boolean keepdim) { return wrap(Ops.var(handle(), new long[]{dim}, unbiased ? 1 : 0, keepdim)); }
  public Tensor norm() { return wrap(Ops.norm(handle(), 2, false)); }
  public Tensor cumsum(long dim) { return wrap(Ops.cumsum(handle(), dim, -1)); }
  /** {values, indices}. */
  public Tensor[] topk(long k, long dim, boolean largest) { return wrapAll(Ops.topk(handle(), k, dim, largest, true)); }
  public Tensor[] sort(long dim, boolean descending) { return wrapAll(Ops.sort(handle(), dim, descending)); }
  public Tensor argsort(long dim, boolean descending) { return wrap(Ops.argsort(handle(), dim, descending)); }
  public Tensor any() { return wrap(Ops.any(handle())); }
  public Tensor all() { return wrap(Ops.all(handle())); }
  public boolean allclose(Tensor o, double rtol, double atol) { return Ops.allclose(handle(), o.handle(), rtol, atol); }
  public boolean equal(Tensor o) { return Ops.equal(handle(), o.handle()); }

  // ---------------------------------------------------------------- comparison and logic
  public Tensor eq(Tensor o) { return wrap(Ops.eq(handle(), o.handle())); }
  public Tensor ne(Tensor o) { return wrap(Ops.ne(handle(), o.handle())); }
  public Tensor lt(Tensor o) { return wrap(Ops.lt(handle(), o.handle())); }
  public Tensor le(Tensor o) { return wrap(Ops.le(handle(), o.handle())); }
  public Tensor gt(Tensor o) { return wrap(Ops.gt(handle(), o.handle())); }
  public Tensor ge(Tensor o) { return wrap(Ops.ge(handle(), o.handle())); }
  public Tensor eq(double v) { return wrap(Ops.eqScalar(handle(), v, intScalar(v))); }
  public Tensor ne(double v) { return wrap(Ops.neScalar(handle(), v, intScalar(v))); }
  public Tensor lt(double v) { return wrap(Ops.ltScalar(handle(), v, intScalar(v))); }
  public Tensor le(double v) { return wrap(Ops.leScalar(handle(), v, intScalar(v))); }
  public Tensor gt(double v) { return wrap(Ops.gtScalar(handle(), v, intScalar(v))); }
  public Tensor ge(double v) { return wrap(Ops.geScalar(handle(), v, intScalar(v))); }
  public Tensor logicalAnd(Tensor o) { return wrap(Ops.logicalAnd(handle(), o.handle())); }
  public Tensor logicalOr(Tensor o) { return wrap(Ops.logicalOr(handle(), o.handle())); }
  public Tensor logicalNot() { return wrap(Ops.logicalNot(handle())); }
  public Tensor isnan() { return wrap(Ops.isnan(handle())); }
  public Tensor isinf() { return wrap(Ops.isinf(handle())); }
  public Tensor isfinite() { return wrap(Ops.isfinite(handle())); }

  // ---------------------------------------------------------------- in place (optimizers, init, caches)
  public Tensor add_(Tensor o, double alpha) { Ops.add_(handle(), o.handle(), alpha, intScalar(alpha)); return this; }
  public Tensor add_(Tensor o) { return add_(o, 1); }
  public Tensor add_(double v) { Ops.addScalar_(handle(), v, intScalar(v)); return this; }
  public Tensor sub_(Tensor o) { return add_(o, -1); }
  public Tensor mul_(Tensor o) { Ops.mul_(handle(), o.handle()); return this; }
  public Tensor mul_(double v) { Ops.mulScalar_(handle(), v, intScalar(v)); return this; }
  public Tensor div_(Tensor o) { Ops.div_(handle(), o.handle()); return this; }
  public Tensor div_(double v) { Ops.divScalar_(handle(), v, false); return this; }
  public Tensor addcmul_(Tensor a, Tensor b, double value) { Ops.addcmul_(handle(), a.handle(), b.handle(), value, false); return this; }
  public Tensor addcdiv_(Tensor a, Tensor b, double value) { Ops.addcdiv_(handle(), a.handle(), b.handle(), value, false); return this; }
  public Tensor lerp_(Tensor end, double w) { Ops.lerp_(handle(), end.handle(), w, false); return this; }
  public Tensor sqrt_() { Ops.sqrt_(handle()); return this; }
  public Tensor copy_(Tensor src) { Ops.copy_(handle(), src.handle()); return this; }
  public Tensor zero_() { Ops.zero_(handle()); return this; }
  public Tensor fill_(double v) { Ops.fill_(handle(), v, intScalar(v)); return this; }
  public Tensor clamp_(double lo, double hi) { Ops.clamp_(handle(), lo, hi); return this; }
  public Tensor maskedFill_(Tensor mask, double v) { Ops.maskedFill_(handle(), mask.handle(), v, intScalar(v)); return this; }
  public Tensor normal_(double mean, double std) { Ops.normal_(handle(), mean, std); return this; }
  public Tensor uniform_(double lo, double hi) { Ops.uniform_(handle(), lo, hi); return this; }
  public Tensor indexCopy_(long dim, Tensor index, Tensor src) { Ops.indexCopy_(handle(), dim, index.handle(), src.handle()); return this; }

  // ---------------------------------------------------------------- printing
  /** Shape and dtype only (cheap); {@link #format()} prints the values. */
  public String describe() {
    return isFreed() ? "Tensor(freed)" : "Tensor" + Arrays.toString(shape()) + " " + dtype().torchName;
  }

  /** libtorch's own printing of the values. */
  public String format() { return Torch.toString(handle()); }

  @Override
  public String toString() {
    if (isFreed()) return "Tensor(freed)";
    return numel() <= 1000 ? format() : describe();
  }
}
