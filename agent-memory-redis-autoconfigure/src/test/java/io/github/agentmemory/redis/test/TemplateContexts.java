package io.github.agentmemory.redis.test;

import io.github.agentmemory.redis.autoconfigure.AgentMemoryRedisAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Context runners with Spring Boot's Redis auto-configuration and ours.
 */
public final class TemplateContexts {

	private TemplateContexts() {
	}

	/**
	 * A runner with Boot's Redis auto-configuration and the starter's.
	 * @return the runner
	 */
	public static ApplicationContextRunner runner() {
		return new ApplicationContextRunner().withConfiguration(
				AutoConfigurations.of(RedisAutoConfiguration.class, AgentMemoryRedisAutoConfiguration.class));
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
