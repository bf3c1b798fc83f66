/**
 * Seeded pseudo-random numbers with explicit state: a bit-exact port of numpy's legacy
 * `np.random.RandomState` (MT19937 + `legacy_gauss`), so that `np.random.seed(1); np.random.randn(...)`
 * in the course assignments reproduces bit for bit. Never uses Math.random.
 *
 * Sources ported (numpy 1.17+, unchanged through 1.24):
 * - `numpy/random/src/mt19937/mt19937.c`: `mt19937_seed` (= Matsumoto-Nishimura `init_genrand`),
 *   `mt19937_gen` (the twist) and `mt19937_next32` (= `genrand_int32`, the tempering).
 * - `numpy/random/src/legacy/legacy-distributions.c`: `legacy_double` (53-bit double from two words)
 *   and `legacy_gauss` (polar Box-Muller with one cached value).
 * - `numpy/random/src/distributions/distributions.c`: `buffered_bounded_masked_uint32` (the masked
 *   rejection used by legacy `RandomState.randint`).
 * - glibc's `log` (x86-64 FMA variant), which `legacy_gauss` calls: see `logGlibc` below for why.
 *
 * Reproduced bit for bit (tests: core/test/rng.test.ts, fixtures from tools/make-numpy-fixtures.py):
 * numpy 1.24 on x86-64 Linux with glibc and an FMA-capable CPU. The integer streams and random_sample
 * are platform-independent; randn's last bits follow the platform's libm `log`.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const UINT32_MAX = 0xffffffff;

// ---------------------------------------------------------------------------------------------------
// log(x) as computed by glibc's libm on x86-64 with FMA, which is what numpy's legacy_gauss calls.
//
// Why: `legacy_gauss` computes f = sqrt(-2 log(r2) / r2). V8's Math.log (an fdlibm port) differs from
// glibc's log in the last bit for about 8% of the r2 values drawn by randn (464 of the 6000 in the
// fixtures), and a correctly rounded log does not match either: glibc 2.28+ log (error <= 0.52 ULP) is
// itself misrounded for 5 of those 6000 inputs. So this is a port of glibc's `__log`
// (sysdeps/ieee754/dbl-64/e_log.c, the Arm optimized-routines algorithm) as the x86-64 multiarch build
// runs it on CPUs with FMA (`__ieee754_log_fma`, selected by ifunc; compiled with -mfma, so GCC contracts
// most a*b+c into fused multiply-adds). The order of operations and every fused multiply-add below follow
// the disassembly of `__ieee754_log_fma` in Debian 12's libm (glibc 2.36); fma() is emulated exactly.
// When written it was checked equal to that libm's log on 5.57 million inputs (uniform in (0,1), near 1,
// random bit patterns including subnormals, and polar-method r2 values), while Math.log differed on 5%.
// The constants are the values of glibc's `__log_data` table read from that libm (data from Arm's
// optimized-routines math/log_data.c, Copyright (c) 2018 Arm Limited, MIT licence).
// Consequence: numpy on a CPU without FMA, or on a non-glibc libm (macOS, Windows), may produce
// different last bits for some randn values; this class reproduces numpy on x86-64 Linux/glibc with FMA.
// ---------------------------------------------------------------------------------------------------

/** Scratch for reading and writing the bits of a double (allocated once, never in the hot path). */
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
/** Index of the low / high 32-bit word of a double in U32 (platform byte order). */
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

/** Veltkamp splitting constant 2^27 + 1. */
const SPLIT = 134217729;

/**
 * round-to-odd(x + y): the exact sum if representable, else whichever of its two neighbouring doubles
 * has an odd last significand bit. Inputs must be finite and their sum far from overflow.
 */
function addRoundToOdd(x: number, y: number): number {
  const s = x + y;
  const bb = s - x;
  const e = x - (s - bb) + (y - bb); // TwoSum: x + y = s + e exactly
  if (e === 0) return s;
  F64[0] = s;
  if ((U32[LO]! & 1) !== 0) return s;
  // s is even, so the odd neighbour lies one ulp towards e. The low word is even, so +1 cannot carry.
  if (s > 0 === e > 0) {
    U32[LO] = U32[LO]! + 1;
  } else if (U32[LO] === 0) {
    U32[LO] = 0xffffffff;
    U32[HI] = U32[HI]! - 1;
  } else {
    U32[LO] = U32[LO]! - 1;
  }
  return F64[0]!;
}

/**
 * fma(a, b, c) = a*b + c with one rounding, emulated exactly in double arithmetic (Boldo & Melquiond,
 * "Emulation of FMA and correctly rounded sums: proved algorithms using rounding to odd", IEEE TC 2008):
 * a*b = ph + pl exactly (Dekker/Veltkamp), c + ph = sh + sl exactly (TwoSum), result RN(sh + RO(sl + pl)).
 * Valid when no intermediate overflows or underflows, which holds for every call in logGlibc.
 */
function fma(a: number, b: number, c: number): number {
  const ph = a * b;
  let t = SPLIT * a;
  const ahi = t - (t - a);
  const alo = a - ahi;
  t = SPLIT * b;
  const bhi = t - (t - b);
  const blo = b - bhi;
  const pl = ahi * bhi - ph + ahi * blo + alo * bhi + alo * blo;
  const sh = c + ph;
  const bb = sh - c;
  const sl = c - (sh - bb) + (ph - bb);
  return sh + addRoundToOdd(sl, pl);
}

// __log_data scalars: ln2 = LN2HI + LN2LO; A: log1p(r) - r ~ r^2 (A0 + A1 r + ... + A4 r^3);
// B: log(1 + r) near 1 ~ r + B0 r^2 + ... + B10 r^12.
const LN2HI = 0.6931471805598903;
const LN2LO = 5.497923018708371e-14;
const A0 = -0.5000000000000001;
const A1 = 0.33333333331825593;
const A2 = -0.2499999999622955;
const A3 = 0.20000304511814496;
const A4 = -0.16667054827627667;
const B0 = -0.5;
const B1 = 0.3333333333333352;
const B2 = -0.24999999999998432;
const B3 = 0.19999999999320328;
const B4 = -0.16666666669929706;
const B5 = 0.14285715076560868;
const B6 = -0.12499997863982555;
const B7 = 0.11110712032936046;
const B8 = -0.10000486757818193;
const B9 = 0.09181994006195467;
const B10 = -0.08328363062289341;
/** __log_data.tab: for each of 128 subintervals of [0x1.6p-1, 0x1.6p0), the pair invc, logc. */
const LOG_TAB = new Float64Array([
  1.4504249240398293, -0.3718565645633589, 1.442253508327276, -0.36620682668944937,
  1.4341736174350004, -0.3605888069791945, 1.426183816329995, -0.3550022171419869,
  1.4182825527052965, -0.34944666968829097, 1.4104682921759335, -0.3439217713603284,
  1.4027396147468003, -0.3384271921261188, 1.3950954438932313, -0.332962831494342,
  1.3875338232485754, -0.32752794345742586, 1.3800539211058593, -0.32212257167088865,
  1.3726542695419708, -0.3167462884799761, 1.3653332798446802, -0.3113985598928366,
  1.358090204587874, -0.3060794515165526, 1.3509234892132138, -0.300788424667644,
  1.3438320840699889, -0.2955252968476998, 1.3368146974742003, -0.29028969275850613,
  1.329870114677736, -0.2850812793277555, 1.322997339161106, -0.27989987391470095,
  1.316195352741367, -0.27474526621870154, 1.3094628125672239, -0.2696169863701243,
  1.3027990455471041, -0.26451506180308115, 1.2962024229438942, -0.2594387762767383,
  1.2896726275815547, -0.2543884090981692, 1.2832080305745537, -0.24936321635129843,
  1.276807885983376, -0.24436312405975968, 1.2704714060687552, -0.23938801747897287,
  1.2641976054949482, -0.23443761696705678, 1.257985357514882, -0.22951151871518505,
  1.2518337750655457, -0.2246094963439873, 1.2457421919097305, -0.21973149037705753,
  1.2397094966625508, -0.2148770752847895, 1.2337348463589233, -0.210046029103637,
  1.2278176973028803, -0.20523836373934046, 1.2219570190618474, -0.20045368751368642,
  1.2161519732977757, -0.1956917537758045, 1.2104018095009725, -0.19095237845203883,
  1.204705805718973, -0.18623539250290833, 1.1990631185441964, -0.18154051731551135,
  1.1934733004462308, -0.1768677957431919, 1.1879350812847385, -0.17221657406412305,
  1.1824481322833125, -0.16758697765942543, 1.1770114976921955, -0.16297859687290384,
  1.1716248121809465, -0.15839151377804228, 1.1662869231674715, -0.15382513241456763,
  1.1609977486762766, -0.14927976358922024, 1.1557563220795803, -0.14475495398119165,
  1.1505619105480347, -0.14025044090817573, 1.1454138888505974, -0.1357660466685502,
  1.140311877374656, -0.1313018016355727, 1.1352550225747513, -0.12685731518763532,
  1.1302429094831266, -0.1224325737671279, 1.1252747693068048, -0.11802724521862729,
  1.1203501571039876, -0.11364127671663482, 1.1154683327680124, -0.10927434611278386,
  1.1106291463292157, -0.10492665324943573, 1.1058315813301596, -0.10059761422644442,
  1.1010752177696026, -0.09628717309055901, 1.0963597137952512, -0.09199534069557558,
  1.0916844827550398, -0.08772190036688698, 1.0870487291277784, -0.08346643613867855,
  1.082452357388312, -0.07922916827544668, 1.0778948225025884, -0.0750099004750382,
  1.0733751731601076, -0.07080805133352897, 1.068893585073351, -0.06662408085151128,
  1.0644491706655506, -0.06245745471915143, 1.0600414846328305, -0.0583080438042316,
  1.0556701316181605, -0.05417576112313327, 1.051334750556926, -0.050060547896805474,
  1.0470347288442157, -0.045962101199052086, 1.0427699229652954, -0.04188056008865715,
  1.0385395013738175, -0.03781540056183985, 1.034343418940345, -0.03376684757915882,
  1.0301811073173315, -0.029734619131772888, 1.026052043621297, -0.025718470239212365,
  1.0219561082336197, -0.021718543925430822, 1.0178926505784922, -0.01773446126981071,
  1.0138614436244586, -0.013766252464051831, 1.0098620186501341, -0.009813706322574944,
  1.0058938559734134, -0.005876555150052809, 1.00195696235014, -0.0019550499938532084,
  0.9961089923088509, 0.0038985973556009412, 0.9884170338185201, 0.011650571286395461,
  0.9808429191005297, 0.019342955478919066, 0.9733840169987446, 0.0269766014846482,
  0.9660377568876556, 0.034552359728422744, 0.9588014945307369, 0.04207121767183253,
  0.9516728569073111, 0.049533940950141186, 0.9446494635965822, 0.056941358295944156,
  0.9377288993026223, 0.06429439168346107, 0.9309091073790681, 0.0715936354946507,
  0.924187681612722, 0.07884010933776153, 0.9175626765599192, 0.08603438905970506,
  0.9110320403624034, 0.09317721180013905, 0.9045935839762024, 0.10026951462748457,
  0.8982456375922825, 0.10731170956330516, 0.8919860966782501, 0.11430473320717738,
  0.8858131121185129, 0.12124928503033061, 0.879725075760676, 0.12814583422959913,
  0.8737201372634685, 0.1349951636851756, 0.8677966405782273, 0.1417978768189414,
  0.8619528050060739, 0.14855476039031146, 0.8561872354420692, 0.1552661937658968,
  0.8504983927816893, 0.16193275688146969, 0.8448844572790304, 0.16855539792220497,
  0.8393442741575965, 0.1751343179947753, 0.8338762249349438, 0.1816702989864325,
  0.8284789320557778, 0.18816387146023317, 0.8231510800065832, 0.1946155228479256,
  0.8178913903778707, 0.20102572579389744, 0.8126984007245374, 0.2073952090795501,
  0.8075710029460227, 0.21372429840596396, 0.8025078881160415, 0.2200135945981856,
  0.7975077379364331, 0.22626374162859975, 0.792569604966373, 0.23247494747693054,
  0.7876923641254114, 0.23864766620658884, 0.7828746724940998, 0.24478265647405806,
  0.7781155388790811, 0.25088025827324145, 0.7734139557869777, 0.2569408552510595,
  0.7687687179914933, 0.26296511155101143, 0.7641790698041854, 0.2689531327189343,
  0.7596438763692399, 0.27490553924610595, 0.7551621951078668, 0.2808227248478943,
  0.7507331780216866, 0.286704979267256, 0.7463557196361751, 0.29255295645509705,
  0.7420289364869653, 0.2983670386142876, 0.7377521537065876, 0.30414734587282055,
  0.7335242966002608, 0.30989455774829366, 0.729344777457841, 0.31560871301871884,
]);

/**
 * Natural logarithm, bit-identical to glibc's `log` as run by x86-64 CPUs with FMA (see above).
 * Allocation-free. Used only by {@link Rng.randn}.
 */
function logGlibc(x: number): number {
  F64[0] = x;
  let hx = U32[HI]!;
  // 1 - 2^-4 <= x < 1 + 0x1.09p-4: a degree-12 polynomial in r = x - 1 (top words of LO/HI bounds).
  if (hx >= 0x3fee0000 && hx < 0x3ff10900) {
    if (x === 1) return 0;
    const r = x - 1;
    let t1 = fma(r, B2, B1);
    let t2 = fma(r, B5, B4);
    const r2 = r * r;
    let t3 = fma(r, B8, B7);
    t1 = fma(r2, B3, t1);
    t2 = fma(r2, B6, t2);
    const r3 = r * r2;
    t3 = fma(r2, B9, t3);
    t3 = fma(r3, B10, t3);
    t2 = fma(t3, r3, t2);
    const p = fma(t2, r3, t1);
    // r = rhi + rlo with rhi on 26 bits, so rhi*rhi*B0 is exact: hi + lo = r - r^2/2 to ~2^-106.
    const w = r * 134217728;
    const rhi = fma(r, 134217728, r) - w;
    const rhiSq = rhi * rhi;
    const rlo = r - rhi;
    const hi = fma(rhiSq, B0, r);
    let lo = fma(rhiSq, B0, r - hi);
    lo = fma(B0 * rlo, r + rhi, lo);
    return hi + fma(p, r3, lo);
  }
  if (((hx - 0x00100000) >>> 0) >= 0x7fe00000) {
    // x < 0x1p-1022 (including negative), inf or nan
    if (x === 0) return -Infinity;
    if (x === Infinity) return x;
    if (!(x > 0)) return NaN;
    // subnormal: scale by 2^52 and take 52 off the exponent
    F64[0] = x * 4503599627370496;
    hx = (U32[HI]! - (52 << 20)) >>> 0;
  }
  // x = 2^k z with z in [0x1.6p-1, 0x1.6p0); i picks the subinterval, c near its centre.
  const tmp = (hx - 0x3fe60000) | 0; // top word of ix - OFF, OFF = 0x3fe6000000000000
  const i = (tmp >>> 13) & 127;
  const k = tmp >> 20;
  U32[HI] = (hx - (k << 20)) >>> 0;
  const z = F64[0]!;
  const invc = LOG_TAB[2 * i]!;
  const logc = LOG_TAB[2 * i + 1]!;
  // log(x) = log1p(z/c - 1) + log(c) + k ln2, with r = z/c - 1 computed by one fma.
  const w = fma(k, LN2HI, logc);
  const r = fma(z, invc, -1);
  const p1 = fma(r, A2, A1);
  const hi = w + r;
  const r2 = r * r;
  const lo = fma(k, LN2LO, w - hi + r);
  const r3 = r * r2;
  const p2 = fma(r, A4, A3);
  const lo2 = fma(r2, A0, lo);
  return fma(r3, fma(p2, r2, p1), lo2) + hi;
}

/**
 * A generator's complete state as plain JSON-serializable data, for checkpoints.
 * Field meanings follow numpy's `RandomState.get_state()` tuple
 * `('MT19937', key, pos, has_gauss, cached_gaussian)`.
 */
export interface RngState {
  /** The 624 MT19937 state words, each an integer in [0, 2^32-1]. */
  key: number[];
  /** Index of the next word to temper, an integer in [0, 624]; 624 means "twist before the next draw". */
  pos: number;
  /** Whether `randn` holds a cached second gaussian (numpy's `has_gauss`). */
  hasGauss: boolean;
  /** The cached gaussian (numpy's `gauss`); only meaningful when `hasGauss` is true. Finite. */
  gauss: number;
}

/**
 * numpy legacy `RandomState`-compatible generator (MT19937).
 *
 * Each method consumes words from one stream exactly as numpy does, so any interleaving of calls
 * matches the same interleaving of numpy calls. `randn`, `randomSample` and `nextUint32` allocate nothing.
 */
export class Rng {
  private readonly mt = new Uint32Array(N);
  private pos = N;
  private hasGauss = false;
  private gauss = 0;

  /**
   * Seed like `np.random.seed(seed)` / `np.random.RandomState(seed)` for an integer seed
   * (`mt19937_seed` in mt19937.c, i.e. `init_genrand`); no cached gaussian.
   * @param seed an integer in [0, 2^32-1]
   * @throws RangeError naming `seed`, its value and the allowed range otherwise
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > UINT32_MAX) {
      throw new RangeError(`seed must be an integer in [0, 4294967295], got ${String(seed)}`);
    }
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, (prev ^ (prev >>> 30)) >>> 0) + i) >>> 0;
    }
    this.pos = N;
  }

  /**
   * Rebuild a generator from a checkpointed state (the inverse of {@link Rng.getState}).
   * Validates the input, since checkpoints come from disk.
   * @throws RangeError naming the offending field, its value and the allowed range
   */
  static fromState(s: RngState): Rng {
    if (s === null || typeof s !== "object") {
      throw new RangeError(`state must be an object {key, pos, hasGauss, gauss}, got ${String(s)}`);
    }
    const key: unknown = s.key;
    if (!Array.isArray(key) || key.length !== N) {
      const len = Array.isArray(key) ? `an array of length ${key.length}` : typeof key;
      throw new RangeError(`state.key must be an array of ${N} integers in [0, 4294967295], got ${len}`);
    }
    for (let i = 0; i < N; i++) {
      const w: unknown = key[i];
      if (typeof w !== "number" || !Number.isInteger(w) || w < 0 || w > UINT32_MAX) {
        throw new RangeError(`state.key[${i}] must be an integer in [0, 4294967295], got ${String(w)}`);
      }
    }
    const pos: unknown = s.pos;
    if (typeof pos !== "number" || !Number.isInteger(pos) || pos < 0 || pos > N) {
      throw new RangeError(`state.pos must be an integer in [0, ${N}], got ${String(pos)}`);
    }
    if (typeof s.hasGauss !== "boolean") {
      throw new RangeError(`state.hasGauss must be a boolean, got ${String(s.hasGauss)}`);
    }
    const gauss: unknown = s.gauss;
    if (typeof gauss !== "number" || !Number.isFinite(gauss)) {
      throw new RangeError(`state.gauss must be a finite number, got ${String(gauss)}`);
    }
    // MT19937 is stuck at zero if the 19937 significant bits (top bit of word 0 and words 1..623) are all 0.
    let nonzero = (key[0] as number) >>> 31 !== 0;
    for (let i = 1; i < N && !nonzero; i++) nonzero = key[i] !== 0;
    if (!nonzero) {
      throw new RangeError("state.key must not be all zero (top bit of key[0] and key[1..623]), got all zero");
    }
    const r = new Rng(0);
    r.mt.set(key as number[]);
    r.pos = pos;
    r.hasGauss = s.hasGauss;
    r.gauss = s.hasGauss ? gauss : 0;
    return r;
  }

  /**
   * The complete state as fresh plain data (a copy); `Rng.fromState(r.getState())` continues the
   * identical stream. Matches numpy's `get_state()` fields (`key`, `pos`, `has_gauss`, `cached_gaussian`).
   */
  getState(): RngState {
    return { key: Array.from(this.mt), pos: this.pos, hasGauss: this.hasGauss, gauss: this.gauss };
  }

  /** Regenerate all 624 words (`mt19937_gen` in mt19937.c). */
  private twist(): void {
    const mt = this.mt;
    let i = 0;
    let y: number;
    for (; i < N - M; i++) {
      y = (mt[i]! & UPPER_MASK) | (mt[i + 1]! & LOWER_MASK);
      mt[i] = mt[i + M]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; i < N - 1; i++) {
      y = (mt[i]! & UPPER_MASK) | (mt[i + 1]! & LOWER_MASK);
      mt[i] = mt[i + (M - N)]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    y = (mt[N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK);
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.pos = 0;
  }

  /**
   * The next raw 32-bit output, an integer in [0, 2^32-1] (`mt19937_next32` in mt19937.c, i.e.
   * `genrand_int32` with the standard tempering). Equals numpy's `MT19937.random_raw()` words.
   */
  nextUint32(): number {
    if (this.pos >= N) this.twist();
    let y = this.mt[this.pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * A double in [0, 1) with 53 random bits, like `np.random.random_sample()`
   * (`legacy_double` in legacy-distributions.c: `(a >> 5) * 2^26 + (b >> 6)) / 2^53`).
   */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * A standard normal draw, like `np.random.randn()` (`legacy_gauss` in legacy-distributions.c):
   * polar Box-Muller; each accepted pair returns `f*x2` and caches `f*x1` for the next call.
   * The log is {@link logGlibc}, not Math.log, because numpy's result depends on glibc's last bit
   * (see the note above it); sqrt, division and products are IEEE correctly rounded in both.
   */
  randn(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const g = this.gauss;
      this.gauss = 0;
      return g;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2.0 * this.randomSample() - 1.0;
      x2 = 2.0 * this.randomSample() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 === 0.0);
    const f = Math.sqrt((-2.0 * logGlibc(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /**
   * Overwrite `out[offset .. offset+n-1]` with `n` successive `randn()` draws, each times `scale`.
   * With scale 1 this equals `np.random.randn(n)` (numpy fills arrays in C order, one draw per element).
   */
  fillRandn(out: Float64Array, offset: number, n: number, scale = 1): void {
    for (let i = 0; i < n; i++) out[offset + i] = this.randn() * scale;
  }

  /**
   * Overwrite `out[offset .. offset+n-1]` with `lo + (hi - lo) * randomSample()`, the same formula as
   * numpy's legacy `uniform(lo, hi, n)` (`low + range * next_double`).
   */
  fillUniform(out: Float64Array, offset: number, n: number, lo: number, hi: number): void {
    const range = hi - lo;
    for (let i = 0; i < n; i++) out[offset + i] = lo + range * this.randomSample();
  }

  /**
   * A uniform integer in [0, n) by masked rejection: with `mask` the smallest 2^k-1 >= n-1, draw
   * `nextUint32() & mask` until it is <= n-1. For n = 1 it returns 0 and draws nothing.
   *
   * This reproduces numpy's legacy `np.random.RandomState(s).randint(0, n)` (default dtype int64,
   * scalar or `size=`) for every n in [1, 2^32], word for word: legacy `randint` passes
   * `use_masked=True` and, since the range n-1 fits in 32 bits, `random_bounded_uint64_fill` in
   * distributions.c uses `buffered_bounded_masked_uint32`, which is exactly this loop on `next_uint32`
   * (n-1 = 0 returns without a draw; n-1 = 2^32-1 returns the raw word). Checked against numpy 1.24
   * for n in {1, 2, 3, 7, 10, 100, 1000, 65537, 2^31-1, 2^31+1, 2^32-1, 2^32} in the fixture tests.
   * (numpy's new `Generator.integers` uses Lemire's method instead and does not match.)
   * @param n an integer in [1, 2^32]
   * @throws RangeError naming `n`, its value and the allowed range otherwise
   */
  uniformInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw new RangeError(`n must be an integer in [1, 4294967296], got ${String(n)}`);
    }
    const rng = n - 1;
    if (rng === 0) return 0;
    let mask = rng;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do {
      v = (this.nextUint32() & mask) >>> 0;
    } while (v > rng);
    return v;
  }
}
