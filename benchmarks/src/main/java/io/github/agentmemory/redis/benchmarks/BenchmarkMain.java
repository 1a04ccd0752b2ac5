package io.github.agentmemory.redis.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.ResilientRedisTemplate;
import io.github.agentmemory.redis.recovery.journal.JournalSync;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * The benchmark harness: one JVM, one redis-server of its own on a free loopback port.
 * Every request loop is bounded in count and time and stops by itself. See
 * benchmarks/README.md for the command and the options.
 */
public final class BenchmarkMain {

	private BenchmarkMain() {
	}

	public static void main(String[] args) throws Exception {
		for (String arg : args) {
			if (arg.startsWith(StartupSection.PROBE)) {
				int port = 0;
				for (String other : args) {
					if (other.startsWith("--port=")) {
						port = Integer.parseInt(other.substring("--port=".length()));
					}
				}
				StartupSection.probe(arg.substring(StartupSection.PROBE.length()), port);
				System.exit(0);
			}
		}
		Options options = Options.parse(args);
		long started = System.nanoTime();
		StringBuilder report = new StringBuilder();
		header(report, options);
		System.out.print(report);

		Workload workload = new Workload();
		LoadSection load = null;
		FailFastSection failFast = null;
		RecoverySection recovery = null;
		RecoverySection recoveryCoalesced = null;
		JournalQueueSection journalQueue = null;
		StartupSection startup = null;
		try (RedisProcess redis = new RedisProcess()) {
			redis.start();
			if (options.sections.contains("load")) {
				System.out.println("== load");
				load = runLoad(options, redis, workload);
			}
			if (options.sections.contains("failfast")) {
				System.out.println("== fail-fast");
				failFast = new FailFastSection(options, redis, workload);
				failFast.run();
			}
			if (options.sections.contains("recovery")) {
				for (int i = 0; i < options.drainWarmups; i++) {
					System.out.println("== recovery drain, warm-up " + (i + 1) + " (not reported)");
					new RecoverySection(options, redis, false).run();
				}
				System.out.println("== recovery drain");
				recovery = new RecoverySection(options, redis, false);
				recovery.run();
				if (options.coalescing) {
					System.out.println("== recovery drain with flush consolidation");
					recoveryCoalesced = new RecoverySection(options, redis, true);
					recoveryCoalesced.run();
				}
			}
			if (options.sections.contains("journal-queue")) {
				System.out.println("== recovery journal in the write path");
				journalQueue = new JournalQueueSection(options, redis);
				journalQueue.run();
			}
			if (options.sections.contains("startup")) {
				System.out.println("== startup");
				startup = new StartupSection(options, redis);
				startup.run();
			}
		}
		StringBuilder body = new StringBuilder();
		targets(body, load, failFast, recovery, journalQueue, startup, options);
		if (load != null) {
			load.report(body);
			coalescing(body, load, options);
		}
		if (failFast != null) {
			failFast.report(body);
		}
		if (recovery != null) {
			recovery.report(body);
		}
		if (recoveryCoalesced != null) {
			recoveryCoalesced.report(body);
		}
		if (journalQueue != null) {
			journalQueue.report(body);
		}
		if (startup != null) {
			startup.report(body);
		}
		body.append(Stats.f("Whole run: %.0f s; load average at the end: %s.\n", (System.nanoTime() - started) / 1e9,
				loadAverage()));
		report.append(body);
		System.out.println();
		System.out.print(body);
		Path out = Path.of(options.out);
		if (out.getParent() != null) {
			Files.createDirectories(out.getParent());
		}
		Files.writeString(out, report, StandardCharsets.UTF_8);
		System.out.println("Report written to " + out.toAbsolutePath());
		System.exit(0);
	}

	private static LoadSection runLoad(Options options, RedisProcess redis, Workload workload) throws Exception {
		RedisURI uri = RedisURI.create(redis.host(), redis.port());
		List<BenchClient> clients = new ArrayList<>();
		ClientResources coalescingResources = null;
		ConfigurableApplicationContext context = Contexts.start(Contexts.WithStarterAndReactive.class,
				Contexts.redisAt(redis.host(), redis.port()));
		try {
			Clients.LettuceAsync lettuce = new Clients.LettuceAsync(LoadSection.BASELINE, workload, uri, null, false);
			clients.add(lettuce);
			LoadSection.populate(workload, lettuce.commandsForSetup());
			clients.add(new Clients.LettuceOnBootConnection(workload, context.getBean(LettuceConnectionFactory.class)));
			clients.add(new Clients.TemplateAsync(workload, context.getBean(AsyncResilientRedisTemplate.class)));
			clients.add(new Clients.Reactive(workload, context.getBean(ReactiveStringRedisTemplate.class)));
			clients.add(new Clients.RedissonAsync(workload, redis.host(), redis.port(), options.redissonPool));
			if (options.coalescing) {
				coalescingResources = DefaultClientResources.builder().nettyCustomizer(new NettyCustomizer() {
					@Override
					public void afterChannelInitialized(Channel channel) {
						channel.pipeline().addFirst(new FlushConsolidationHandler(256, true));
					}
				}).build();
				clients.add(new Clients.LettuceAsync("lettuce-flush-consolidation", workload, uri, coalescingResources,
						false));
			}
			clients.add(new Clients.LettuceAsync(LoadSection.BASELINE_BLOCKING, workload, uri, null, true));
			clients.add(new Clients.TemplateBlocking(workload, context.getBean(ResilientRedisTemplate.class)));
			LoadSection load = new LoadSection(options, redis, workload, clients);
			load.run();
			return load;
		}
		finally {
			for (BenchClient client : clients) {
				client.close();
			}
			if (coalescingResources != null) {
				coalescingResources.shutdown(0, 2, TimeUnit.SECONDS);
			}
			context.close();
		}
	}

	private static void header(StringBuilder out, Options options) {
		out.append("## Benchmark results\n\n");
		out.append(Stats.f("- Date: %s\n", LocalDate.now()));
		out.append(Stats.f("- Machine: %d cores (`nproc`), %s, %s MiB RAM; %s\n",
				Runtime.getRuntime().availableProcessors(), cpuModel(), memoryMiB(), osName()));
		out.append(Stats.f("- JDK: %s %s (%s), heap max %d MiB, GC: %s\n", System.getProperty("java.vm.name"),
				System.getProperty("java.runtime.version"), System.getProperty("java.vm.vendor"),
				Runtime.getRuntime().maxMemory() >> 20, gcNames()));
		out.append(Stats.f("- Load average when the run started (`/proc/loadavg`): %s — the machine is shared; other "
				+ "processes' load hits all clients alike within a round, not across rounds\n", loadAverage()));
		out.append("- Server: redis-server 6.2.6 from `com.github.codemonstur:embedded-redis:1.4.3`, on 127.0.0.1, "
				+ "no persistence, same machine (it competes for the 2 cores)\n");
		out.append(Stats.f("- Command: `java %s -jar benchmarks/target/benchmarks.jar %s`%s\n",
				String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()),
				String.join(" ", options.args), options.quick ? " (quick mode: indicative only)" : ""));
		out.append("- Workload: 10,000 keys per type; SET/GET 100-byte values; HSET of 4 fields of 100 bytes; "
				+ "HGETALL of those; ZADD of one 100-byte member (sets of 10); ZRANGEBYSCORE returning 5 members. "
				+ "Closed loop: each of C slots sends its next request when its previous one completes, "
				+ "all over one connection per client.\n");
		out.append(Stats.f("- Clients: `lettuce` (baseline: `RedisClient.create`, StringCodec, Lettuce defaults); "
				+ "`lettuce-boot-conn` (Lettuce async on the very connection the template uses: Boot's "
				+ "LettuceConnectionFactory with the starter's fail-fast options, byte[] codec); `template-async` "
				+ "(AsyncResilientRedisTemplate from a Boot context); `spring-reactive` (ReactiveStringRedisTemplate); "
				+ "`redisson` (Redisson 3.52.0 async, StringCodec, connection pool of %d); %s"
				+ "at C=1 also `lettuce-sync` (baseline of blocking clients) and `template-blocking` "
				+ "(ResilientRedisTemplate).\n\n", options.redissonPool,
				options.coalescing ? "`lettuce-flush-consolidation` (the baseline plus Netty's "
						+ "FlushConsolidationHandler(256, true) installed with a NettyCustomizer); " : ""));
	}

	private static void targets(StringBuilder out, LoadSection load, FailFastSection failFast,
			RecoverySection recovery, JournalQueueSection journalQueue, StartupSection startup, Options options) {
		out.append("### Targets\n\n");
		if (load != null) {
			out.append("Template vs raw Lettuce: medians over rounds of the per-round ratios. The last column compares "
					+ "the template with Lettuce on the template's own connection (`lettuce-boot-conn`): the cost of the "
					+ "template's layer alone, without Boot's connection settings; CPU: extra client CPU µs per "
					+ "operation over that.\n\n");
			out.append("| target: template ≥ 0.95× lettuce ops/s and p99 ≤ 1.10× | ops/s × | p99 × | met? | "
					+ "vs lettuce-boot-conn: ops/s ×, p99 ×, +CPU µs/op |\n|---|---:|---:|---|---|\n");
			for (int c : new int[] { 16, 256 }) {
				for (Workload.Op op : options.ops) {
					double ops = Stats.median(load.ratios(op, c, "template-async", LoadSection.BASELINE, false));
					double p99 = Stats.median(load.ratios(op, c, "template-async", LoadSection.BASELINE, true));
					double opsBoot = Stats.median(load.ratios(op, c, "template-async", "lettuce-boot-conn", false));
					double p99Boot = Stats.median(load.ratios(op, c, "template-async", "lettuce-boot-conn", true));
					double cpu = Stats.median(load.results(op, c, "template-async").stream()
						.map(LoadRunner.CellResult::cpuMicrosPerOp).toList())
							- Stats.median(load.results(op, c, "lettuce-boot-conn").stream()
								.map(LoadRunner.CellResult::cpuMicrosPerOp).toList());
					out.append(Stats.f("| C=%d %s | %.2f | %.2f | %s | %.2f, %.2f, %+.2f |\n", c, op, ops, p99,
							met(ops >= 0.95 && p99 <= 1.10), opsBoot, p99Boot, cpu));
				}
			}
			out.append('\n');
		}
		out.append("| target | figure | met? |\n|---|---|---|\n");
		if (failFast != null) {
			double get = failFast.openGet.getValueAtPercentile(50) / 1e3;
			double set = failFast.openSet.getValueAtPercentile(50) / 1e3;
			out.append(Stats.f("| open-circuit call median ≤ 5 µs | get %s µs, set %s µs (p99 %s / %s µs) | %s |\n",
					Stats.num(get), Stats.num(set), Stats.num(failFast.openGet.getValueAtPercentile(99) / 1e3),
					Stats.num(failFast.openSet.getValueAtPercentile(99) / 1e3), met(get <= 5 && set <= 5)));
		}
		if (recovery != null) {
			out.append(Stats.f("| drain ≥ 300k writes/s | %s writes/s | %s |\n", Stats.num(recovery.drainPerSecond()),
					met(recovery.drainPerSecond() >= 300_000)));
			out.append(Stats.f("| ≤ 300 bytes heap per queued 100-byte write | %s bytes | %s |\n",
					Stats.num(recovery.bytesPerEntry()), met(recovery.bytesPerEntry() <= 300)));
		}
		if (journalQueue != null) {
			double queued = journalQueue.median(JournalSync.PROCESS_CRASH, JournalQueueSection.Cell::queuedPerSecond);
			double queuedPowerLoss = journalQueue.median(JournalSync.POWER_LOSS, JournalQueueSection.Cell::queuedPerSecond);
			out.append(Stats.f("| ≥ 50,000 QUEUED writes/s into the journal with `PROCESS_CRASH` | %s writes/s (`POWER_LOSS`: %s) | %s |\n",
					Stats.num(queued), Stats.num(queuedPowerLoss), met(queued >= 50_000)));
			double drain = journalQueue.median(JournalSync.PROCESS_CRASH, JournalQueueSection.Cell::drainPerSecond);
			double drainPowerLoss = journalQueue.median(JournalSync.POWER_LOSS, JournalQueueSection.Cell::drainPerSecond);
			out.append(Stats.f("| drain from the journal ≥ 200,000 writes/s with `PROCESS_CRASH` | %s writes/s (`POWER_LOSS`: %s) | %s |\n",
					Stats.num(drain), Stats.num(drainPowerLoss), met(drain >= 200_000)));
			double own = journalQueue.median(JournalSync.PROCESS_CRASH, JournalQueueSection.Cell::journalHeapPerWrite);
			double whole = journalQueue.median(JournalSync.PROCESS_CRASH, JournalQueueSection.Cell::heapPerWrite);
			out.append(Stats.f("| heap ≤ 100 bytes per journaled queued write | the journal's own %s bytes; the whole queue %s bytes (the in-memory queue still holds every queued write) | journal: %s; whole queue: %s |\n",
					Stats.num(own), Stats.num(whole), met(own <= 100), met(whole <= 100)));
		}
		if (startup != null) {
			double beans = Stats.median(startup.coldStarterBeans);
			out.append(Stats.f("| startup adds ≤ 50 ms | cold: starter's beans %s ms; wall-clock difference %s ms (noise %s…%s); warm %s ms | %s |\n",
					Stats.num(beans), Stats.num(startup.coldAddedMillis()),
					Stats.num(Stats.min(startup.coldPairDifferences)), Stats.num(Stats.max(startup.coldPairDifferences)),
					Stats.num(startup.warmAddedMillis()), met(beans <= 50 && startup.warmAddedMillis() <= 50)));
			out.append(Stats.f("| startup opens no connection | listener %d, redis-server %d | %s |\n",
					startup.listenerConnections, startup.redisConnectionsOnStart,
					met(startup.listenerConnections == 0 && startup.redisConnectionsOnStart == 0)));
		}
		out.append('\n');
	}

	private static void coalescing(StringBuilder out, LoadSection load, Options options) {
		if (!options.coalescing) {
			return;
		}
		String name = "lettuce-flush-consolidation";
		out.append("### Write coalescing (Netty FlushConsolidationHandler) vs raw Lettuce\n\n");
		out.append("Rule for making it a default: ops/s ≥ 1.3× at C=256, p99 no worse, no loss at C=1.\n\n");
		out.append("| op | C=1 ops/s × | C=1 p99 × | C=16 ops/s × | C=256 ops/s × | C=256 p99 × | wins? |\n");
		out.append("|---|---:|---:|---:|---:|---:|---|\n");
		for (Workload.Op op : options.ops) {
			double c1 = Stats.median(load.ratios(op, 1, name, LoadSection.BASELINE, false));
			double c1p = Stats.median(load.ratios(op, 1, name, LoadSection.BASELINE, true));
			double c16 = Stats.median(load.ratios(op, 16, name, LoadSection.BASELINE, false));
			double c256 = Stats.median(load.ratios(op, 256, name, LoadSection.BASELINE, false));
			double c256p = Stats.median(load.ratios(op, 256, name, LoadSection.BASELINE, true));
			boolean wins = c256 >= 1.3 && c256p <= 1.0 && c1 >= 0.98;
			out.append(Stats.f("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s |\n", op, c1, c1p, c16, c256, c256p,
					wins ? "yes" : "no"));
		}
		out.append('\n');
	}

	private static String loadAverage() {
		try {
			String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
			return parts[0] + " " + parts[1] + " " + parts[2];
		}
		catch (Exception ex) {
			return "unknown";
		}
	}

	private static String met(boolean met) {
		return met ? "met" : "**not met**";
	}

	private static String cpuModel() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
				if (line.startsWith("model name")) {
					return line.substring(line.indexOf(':') + 1).trim();
				}
			}
		}
		catch (Exception ex) {
			// not Linux
		}
		return "unknown CPU";
	}

	private static String memoryMiB() {
		var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
		return String.valueOf(os.getTotalMemorySize() >> 20);
	}

	private static String osName() {
		return System.getProperty("os.name") + " " + System.getProperty("os.version");
	}

	private static String gcNames() {
		return String.join(", ", ManagementFactory.getGarbageCollectorMXBeans().stream().map((gc) -> gc.getName())
			.toList());
	}

}
