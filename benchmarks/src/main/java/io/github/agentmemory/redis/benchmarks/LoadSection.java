package io.github.agentmemory.redis.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.HdrHistogram.Histogram;

/**
 * Throughput and latency of every client on every operation at 1, 16 and 256 requests
 * in flight. One warm-up round, then {@code rounds} measured rounds; in each round every
 * (operation, concurrency) cell runs every client back to back, in an order rotated from
 * round to round, so drift of the machine hits all clients alike. Ratios to the baseline
 * are taken within a round, then their median over rounds is reported.
 */
final class LoadSection {

	static final String BASELINE = "lettuce";

	static final String BASELINE_BLOCKING = "lettuce-sync";

	static final String BOOT_CONNECTION = "lettuce-boot-conn";

	static final String TEMPLATE = "template-async";

	static final String TEMPLATE_FLUSH = "template-flush-on";

	static final String TEMPLATE_NO_FLUSH = "template-flush-off";

	static final String COALESCING = "lettuce-flush-consolidation";

	/** Raw Lettuce with FlushConsolidationHandler(256, false): consolidates within reads only. */
	static final String COALESCING_IN_READS = "lettuce-flush-in-reads";

	/** Whether the starter installs the flush-consolidation handler by default. */
	boolean consolidatesByDefault;

	/** The hot-key operations run with this many writers only. */
	static final int HOT_CONCURRENCY = 256;

	private final Options options;

	private final RedisProcess redis;

	private final Workload workload;

	private final List<BenchClient> clients;

	private final LoadRunner runner;

	/** op|C|client -> results of the measured rounds. */
	private final Map<String, List<LoadRunner.CellResult>> results = new LinkedHashMap<>();

	LoadSection(Options options, RedisProcess redis, Workload workload, List<BenchClient> clients) {
		this.options = options;
		this.redis = redis;
		this.workload = workload;
		this.clients = clients;
		this.runner = new LoadRunner(redis);
	}

	static void populate(Workload w, RedisAsyncCommands<String, String> commands) {
		List<RedisFuture<?>> pending = new ArrayList<>();
		for (int k = 0; k < Workload.KEYS; k++) {
			pending.add(commands.set(w.stringKeys[k], w.value));
			pending.add(commands.hset(w.hashKeys[k], w.hashFields));
			for (int m = 0; m < Workload.ZSET_MEMBERS; m++) {
				pending.add(commands.zadd(w.zsetKeys[k], m, w.members[m]));
			}
			if (pending.size() > 5000) {
				CompletableFuture.allOf(pending.stream().map(RedisFuture::toCompletableFuture)
					.toArray(CompletableFuture[]::new)).join();
				pending.clear();
			}
		}
		CompletableFuture.allOf(pending.stream().map(RedisFuture::toCompletableFuture)
			.toArray(CompletableFuture[]::new)).join();
	}

	private List<BenchClient> clientsFor(int concurrency) {
		List<BenchClient> list = new ArrayList<>();
		for (BenchClient client : this.clients) {
			boolean selected = this.options.clients.isEmpty() || this.options.clients.contains(client.name())
					|| client.name().equals(BASELINE) || client.name().equals(BASELINE_BLOCKING);
			if (selected && (client.async() || concurrency == 1)) {
				list.add(client);
			}
		}
		return list;
	}

	void run() throws InterruptedException {
		long cellNanos = TimeUnit.MILLISECONDS.toNanos(this.options.cellMillis);
		for (int round = 0; round <= this.options.rounds; round++) {
			boolean warmup = round == 0;
			long started = System.nanoTime();
			for (Workload.Op op : this.options.ops) {
				for (int c : this.options.concurrency) {
					if (op.hot() && c != HOT_CONCURRENCY) {
						continue;
					}
					List<BenchClient> cell = clientsFor(c);
					int shift = round % cell.size();
					for (int i = 0; i < cell.size(); i++) {
						BenchClient client = cell.get((i + shift) % cell.size());
						LoadRunner.CellResult result = this.runner.run(client, op, c,
								warmup ? cellNanos / 2 : cellNanos, this.options.maxOpsPerCell);
						if (result.errors() > 0) {
							System.out.println(Stats.f("  ! %s %s C=%d: %d errors, first: %s", client.name(), op, c,
									result.errors(), result.firstError()));
						}
						if (!warmup) {
							this.results.computeIfAbsent(key(op, c, client.name()), (k) -> new ArrayList<>())
								.add(result);
						}
					}
				}
			}
			System.out.println(Stats.f("  load round %d/%d%s done in %.1f s", round, this.options.rounds,
					warmup ? " (warm-up, discarded)" : "", (System.nanoTime() - started) / 1e9));
		}
	}

	static String key(Workload.Op op, int c, String client) {
		return op + "|" + c + "|" + client;
	}

	/** Per-round ratio of a client's metric to the baseline's in the same round. */
	List<Double> ratios(Workload.Op op, int c, String client, String baseline, boolean latency) {
		List<LoadRunner.CellResult> mine = this.results.get(key(op, c, client));
		List<LoadRunner.CellResult> base = this.results.get(key(op, c, baseline));
		List<Double> ratios = new ArrayList<>();
		if (mine == null || base == null) {
			return ratios;
		}
		for (int i = 0; i < Math.min(mine.size(), base.size()); i++) {
			ratios.add(latency
					? (double) mine.get(i).latency().getValueAtPercentile(99)
							/ base.get(i).latency().getValueAtPercentile(99)
					: mine.get(i).opsPerSecond() / base.get(i).opsPerSecond());
		}
		return ratios;
	}

	List<LoadRunner.CellResult> results(Workload.Op op, int c, String client) {
		return this.results.getOrDefault(key(op, c, client), List.of());
	}

	String baselineFor(BenchClient client) {
		return client.async() ? BASELINE : BASELINE_BLOCKING;
	}

	void report(StringBuilder out) {
		out.append("### Throughput and latency\n\n");
		out.append(Stats.f("%d measured rounds (after one warm-up round) of %d ms per cell, clients interleaved and "
				+ "rotated round by round. ops/s: median of rounds. *vs base*: ratio to the baseline within each round, "
				+ "median (min–max) over rounds; baseline is raw Lettuce async (`lettuce`), for blocking clients Lettuce's "
				+ "sync API (`lettuce-sync`). Latency percentiles: all rounds merged, in µs. *p99 vs base*: per-round "
				+ "p99 ratio, median. CPU: client process CPU time (all JVM threads, incl. GC) per operation, median of "
				+ "rounds; server: redis-server CPU per operation (10 ms tick resolution).\n\n", this.options.rounds,
				this.options.cellMillis));
		for (int c : this.options.concurrency) {
			out.append(Stats.f("#### %d request%s in flight\n\n", c, (c == 1) ? "" : "s"));
			out.append("| op | client | ops/s | vs base | p50 µs | p99 µs | p99.9 µs | p99 vs base | CPU µs/op | server µs/op |\n");
			out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
			for (Workload.Op op : this.options.ops) {
				for (BenchClient client : clientsFor(c)) {
					List<LoadRunner.CellResult> rs = results(op, c, client.name());
					if (rs.isEmpty()) {
						continue;
					}
					Histogram merged = new Histogram(LoadRunner.MAX_LATENCY_NANOS, 3);
					List<Double> opsPerSecond = new ArrayList<>();
					List<Double> cpu = new ArrayList<>();
					List<Double> serverCpu = new ArrayList<>();
					long errors = 0;
					for (LoadRunner.CellResult r : rs) {
						merged.add(r.latency());
						opsPerSecond.add(r.opsPerSecond());
						cpu.add(r.cpuMicrosPerOp());
						serverCpu.add(r.serverCpuMicrosPerOp());
						errors += r.errors();
					}
					String base = baselineFor(client);
					boolean isBase = client.name().equals(base);
					out.append(Stats.f("| %s | %s%s | %s | %s | %s | %s | %s | %s | %s | %s |\n", op, client.name(),
							(errors > 0) ? " (" + errors + " errors)" : "", Stats.num(Stats.median(opsPerSecond)),
							isBase ? "1 (base)" : Stats.ratio(ratios(op, c, client.name(), base, false)),
							Stats.num(merged.getValueAtPercentile(50) / 1e3),
							Stats.num(merged.getValueAtPercentile(99) / 1e3),
							Stats.num(merged.getValueAtPercentile(99.9) / 1e3),
							isBase ? "1" : Stats.f("%.2f", Stats.median(ratios(op, c, client.name(), base, true))),
							Stats.num(Stats.median(cpu)), Stats.num(Stats.median(serverCpu))));
				}
			}
			out.append('\n');
		}
	}

}
