package io.github.agentmemory.redis.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.resilience.RedisCircuitOpenException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.HdrHistogram.Histogram;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * Kill the server (SIGKILL) under a sequential GET loop and time how long until the
 * template answers with a fast failure (circuit open); then time single calls while the
 * circuit is open. The starter's defaults are used (3 failures open the circuit for
 * 300 s).
 */
final class FailFastSection {

	private final Options options;

	private final RedisProcess redis;

	private final Workload workload;

	long killToFirstFastFailureNanos = -1;

	int callsBeforeOpen;

	int slowFailures;

	int succeeded;

	long killToOpenNanos = -1;

	long slowestFailureNanos;

	final Histogram openGet = new Histogram(TimeUnit.SECONDS.toNanos(1), 3);

	final Histogram openSet = new Histogram(TimeUnit.SECONDS.toNanos(1), 3);

	final Histogram nanoTimeOverhead = new Histogram(TimeUnit.SECONDS.toNanos(1), 3);

	long notRejected;

	FailFastSection(Options options, RedisProcess redis, Workload workload) {
		this.options = options;
		this.redis = redis;
		this.workload = workload;
	}

	/** Kill → completion of a GET issued 0.5 s after the kill, on an idle template. */
	long lateGetNanos = -1;

	/** What the late GET ended with. */
	String lateGetError = "";

	/** The longest of the GETs issued right after the kill (in flight when it hit). */
	long inFlightAtKillNanos = -1;

	int inFlightAtKillFailed;

	static final int IN_FLIGHT_AT_KILL = 8;

	/** Kill → completion of the late GET, one per run ({@code --late-get-runs}). */
	final List<Long> lateGetRunsNanos = new ArrayList<>();

	void run() throws Exception {
		for (int run = 0; run < Math.max(1, this.options.lateGetRuns); run++) {
			probeAfterKill(false);
			this.lateGetRunsNanos.add(this.lateGetNanos);
		}
		probeAfterKill(true);
		try (ConfigurableApplicationContext context = Contexts.start(Contexts.UserSetup.class,
				Contexts.userProperties(this.redis.host(), this.redis.port()))) {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			for (int i = 0; i < 20_000; i++) {
				template.get(this.workload.stringKeys[i % Workload.KEYS]).join();
			}
			CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
			AtomicLong openedAt = new AtomicLong();
			breaker.getEventPublisher().onStateTransition((event) -> {
				if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
					openedAt.compareAndSet(0, System.nanoTime());
				}
			});
			// a caller that starts a GET every 200 µs without waiting for the previous ones
			List<CompletableFuture<?>> inFlight = new ArrayList<>();
			long killedAt = this.redis.kill();
			long deadline = killedAt + TimeUnit.SECONDS.toNanos(20);
			int i = 0;
			while (System.nanoTime() - deadline < 0) {
				long start = System.nanoTime();
				CompletableFuture<?> call = template.get(this.workload.stringKeys[i++ % Workload.KEYS]);
				if (call.isCompletedExceptionally() && cause(call) instanceof RedisCircuitOpenException) {
					this.killToFirstFastFailureNanos = System.nanoTime() - killedAt;
					break;
				}
				this.callsBeforeOpen++;
				inFlight.add(call.whenComplete((value, error) -> {
					long took = System.nanoTime() - start;
					synchronized (this) {
						if (error != null) {
							this.slowFailures++;
						}
						else {
							this.succeeded++;
						}
						this.slowestFailureNanos = Math.max(this.slowestFailureNanos, took);
					}
				}));
				LockSupport.parkNanos(200_000);
			}
			// the transition that rejected the call may still be publishing its event
			Thread.sleep(200);
			this.killToOpenNanos = (openedAt.get() != 0) ? openedAt.get() - killedAt : -1;
			CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
				.handle((v, e) -> null)
				.get(30, TimeUnit.SECONDS);
			measureOpen(template);
		}
		finally {
			this.redis.start();
		}
	}

	/**
	 * An idle template with the starter's defaults (circuit closed) and Redis killed:
	 * either one GET issued 0.5 s after the kill (nothing else runs, so the circuit is
	 * still closed when it starts), or 8 GETs issued at once (in flight when the kill
	 * hits); how long until they complete (exceptionally), from the kill.
	 * @param early whether to issue the 8 GETs at once instead of the late one
	 */
	private void probeAfterKill(boolean early) throws Exception {
		try (ConfigurableApplicationContext context = Contexts.start(Contexts.UserSetup.class,
				Contexts.userProperties(this.redis.host(), this.redis.port()))) {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			for (int i = 0; i < 20_000; i++) {
				template.get(this.workload.stringKeys[i % Workload.KEYS]).join();
			}
			long killedAt = this.redis.kill();
			if (early) {
				List<CompletableFuture<Long>> calls = new ArrayList<>();
				for (int i = 0; i < IN_FLIGHT_AT_KILL; i++) {
					calls.add(template.get(this.workload.stringKeys[i]).handle((value, error) -> {
						if (error != null) {
							synchronized (this) {
								this.inFlightAtKillFailed++;
							}
						}
						return System.nanoTime() - killedAt;
					}));
				}
				for (CompletableFuture<Long> call : calls) {
					this.inFlightAtKillNanos = Math.max(this.inFlightAtKillNanos, call.get(30, TimeUnit.SECONDS));
				}
				return;
			}
			LockSupport.parkNanos(killedAt + TimeUnit.MILLISECONDS.toNanos(500) - System.nanoTime());
			CompletableFuture<Long> late = template.get(this.workload.stringKeys[0]).handle((value, error) -> {
				this.lateGetError = (error != null) ? rootName(error) : "none: it succeeded";
				return System.nanoTime() - killedAt;
			});
			this.lateGetNanos = late.get(30, TimeUnit.SECONDS);
		}
		finally {
			this.redis.start();
		}
	}

	private static String rootName(Throwable error) {
		Throwable current = error;
		while (current instanceof java.util.concurrent.CompletionException && current.getCause() != null) {
			current = current.getCause();
		}
		return current.getClass().getSimpleName();
	}

	private static Throwable cause(CompletableFuture<?> call) {
		try {
			call.getNow(null);
			return null;
		}
		catch (java.util.concurrent.CompletionException ex) {
			return ex.getCause();
		}
	}

	private void measureOpen(AsyncResilientRedisTemplate template) {
		int calls = this.options.openCircuitCalls;
		String[] keys = this.workload.stringKeys;
		String value = this.workload.value;
		// warm-up, then measure: each call timed alone, interleaved GET/SET
		for (int round = 0; round < 2; round++) {
			boolean record = round == 1;
			for (int i = 0; i < calls; i++) {
				String key = keys[i % Workload.KEYS];
				long t0 = System.nanoTime();
				CompletableFuture<?> get = template.get(key);
				long t1 = System.nanoTime();
				CompletableFuture<?> set = template.set(key, value);
				long t2 = System.nanoTime();
				long t3 = System.nanoTime();
				if (record) {
					this.openGet.recordValue(t1 - t0);
					this.openSet.recordValue(t2 - t1);
					this.nanoTimeOverhead.recordValue(t3 - t2);
					if (!get.isCompletedExceptionally() || !set.isCompletedExceptionally()) {
						this.notRejected++;
					}
				}
			}
		}
	}

	void report(StringBuilder out) {
		out.append("### Fail-fast\n\n");
		out.append("Starter defaults (3 consecutive failures open the circuit for 300 s; idempotent calls retried "
				+ "3 times after 500 ms, 1 s, 2 s ±50 %). The server is killed with SIGKILL while a caller starts a GET "
				+ "every 200 µs without waiting for the previous ones.\n\n");
		out.append("| measure | value |\n|---|---:|\n");
		out.append(Stats.f("| **idle template: a GET issued 0.5 s after the kill completes after** (since the kill) | "
				+ "%s ms (%s) |\n", Stats.num(this.lateGetNanos / 1e6), this.lateGetError));
		if (this.lateGetRunsNanos.size() > 1) {
			List<Long> sorted = new ArrayList<>(this.lateGetRunsNanos);
			sorted.sort(null);
			out.append(Stats.f("| the same, %d runs: median (min–max); all, in run order | %s ms (%s–%s); %s |\n",
					sorted.size(), Stats.num(sorted.get(sorted.size() / 2) / 1e6), Stats.num(sorted.get(0) / 1e6),
					Stats.num(sorted.get(sorted.size() - 1) / 1e6), String.join(", ",
							this.lateGetRunsNanos.stream().map((n) -> Stats.num(n / 1e6)).toList())));
		}
		out.append(Stats.f("| another idle template: %d GETs issued right after the kill: the last completes after | %s ms "
				+ "(%d failed) |\n", IN_FLIGHT_AT_KILL, Stats.num(this.inFlightAtKillNanos / 1e6),
				this.inFlightAtKillFailed));
		out.append(Stats.f("| kill → circuit open | %s ms |\n", Stats.num(this.killToOpenNanos / 1e6)));
		out.append(Stats.f("| **kill → first call that fails at once** (RedisCircuitOpenException) | %s ms |\n",
				Stats.num(this.killToFirstFastFailureNanos / 1e6)));
		out.append(Stats.f("| calls started before that: succeeded / failed | %d / %d |\n", this.succeeded,
				this.slowFailures));
		out.append(Stats.f("| longest of those calls (rides its retries until the circuit rejects one) | %s ms |\n",
				Stats.num(this.slowestFailureNanos / 1e6)));
		out.append(Stats.f("| open circuit, `get()` call: median / p99 / p99.9 | %s / %s / %s µs |\n",
				Stats.num(this.openGet.getValueAtPercentile(50) / 1e3),
				Stats.num(this.openGet.getValueAtPercentile(99) / 1e3),
				Stats.num(this.openGet.getValueAtPercentile(99.9) / 1e3)));
		out.append(Stats.f("| open circuit, `set()` call: median / p99 / p99.9 | %s / %s / %s µs |\n",
				Stats.num(this.openSet.getValueAtPercentile(50) / 1e3),
				Stats.num(this.openSet.getValueAtPercentile(99) / 1e3),
				Stats.num(this.openSet.getValueAtPercentile(99.9) / 1e3)));
		out.append(Stats.f("| (timer overhead in those figures: median) | %s µs |\n",
				Stats.num(this.nanoTimeOverhead.getValueAtPercentile(50) / 1e3)));
		out.append(Stats.f("| calls timed / not failed at once | %d / %d |\n\n", this.openGet.getTotalCount()
				+ this.openSet.getTotalCount(), this.notRejected));
	}

}
