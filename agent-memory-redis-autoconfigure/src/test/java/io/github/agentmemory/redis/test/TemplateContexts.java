package io.github.agentmemory.redis.test;


import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Context runners with Spring Boot's Redis auto-configuration and ours.
 */
public final class TemplateContexts {

	/**
	 * Settings of the failover tests on Sentinel and Cluster: short Lettuce timeouts and
	 * reconnect delays, retries and recovery rounds, and a circuit that stays open for 1s
	 * instead of the default 300s, so that the template notices the new topology quickly.
	 * With the circuit half-open every second, the recovery queue's probe write spends
	 * about one attempt per second of outage, so a slow failover on a busy machine could
	 * exhaust the default 10 attempts: the tests allow 100.
	 */
	public static final String[] FAILOVER_PROPERTIES = { "spring.data.redis.timeout=1s",
			"spring.data.redis.connect-timeout=500ms", "agent-memory.redis.retry.initial-interval=50ms",
			"agent-memory.redis.retry.max-interval=500ms",
			"agent-memory.redis.circuit-breaker.wait-duration-in-open-state=1s",
			"agent-memory.redis.fail-fast.max-reconnect-delay=500ms",
			"agent-memory.redis.recovery.poll-interval=100ms", "agent-memory.redis.recovery.max-attempts=100",
			// room for the writes queued during a slow failover on a loaded machine
			"agent-memory.redis.recovery.capacity=100000" };

	private TemplateContexts() {
	}

	/**
	 * A runner with Boot's Redis auto-configuration and the starter's.
	 * @return the runner
	 */
	public static ApplicationContextRunner runner() {
		return new ApplicationContextRunner().withConfiguration(BootLine.redisAndTemplate());
	}

	/**
	 * A runner pointed at a Sentinel deployment, a Cluster or a server by the given
	 * properties, with the {@link #FAILOVER_PROPERTIES settings of the failover tests}.
	 * @param connection the properties that point at Redis
	 * @return the runner
	 */
	public static ApplicationContextRunner failoverRunner(String... connection) {
		return runner().withPropertyValues(connection).withPropertyValues(FAILOVER_PROPERTIES);
	}

	/**
	 * A runner pointed at the given server, with short timeouts and a short open state
	 * suited to tests.
	 * @param redis the server
	 * @return the runner
	 */
	public static ApplicationContextRunner runner(RedisServerExtension redis) {
		return runner().withPropertyValues(redis.springProperties())
			.withPropertyValues("spring.data.redis.timeout=500ms", "spring.data.redis.connect-timeout=500ms",
					"agent-memory.redis.retry.initial-interval=50ms", "agent-memory.redis.retry.max-interval=200ms");
	}

}
