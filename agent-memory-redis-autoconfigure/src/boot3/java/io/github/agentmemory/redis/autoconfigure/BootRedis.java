package io.github.agentmemory.redis.autoconfigure;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.data.redis.ClientResourcesBuilderCustomizer;
import org.springframework.boot.autoconfigure.data.redis.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.boot.autoconfigure.data.redis.LettuceClientOptionsBuilderCustomizer;
import org.springframework.boot.autoconfigure.data.redis.RedisProperties;

/**
 * What the shared auto-configuration needs of Spring Boot 3.5's Redis support, whose
 * types live in {@code org.springframework.boot.autoconfigure.data.redis} (Boot 4 moved
 * them to {@code org.springframework.boot.data.redis.autoconfigure} and renamed the
 * properties {@code DataRedisProperties}). Boot 4.1's line has a class of the same name
 * and members; the shared sources use only these.
 *
 * <p>
 * The customizer interfaces extend Boot's, so a bean declared as one of them is one of
 * Boot's customizers: Boot's {@code LettuceConnectionConfiguration} applies it like any
 * other.
 *
 * @author agent-memory-redis
 */
final class BootRedis {

	private BootRedis() {
	}

	/** Boot's {@link LettuceClientOptionsBuilderCustomizer}, under a name both lines share. */
	interface ClientOptionsCustomizer extends LettuceClientOptionsBuilderCustomizer {

	}

	/** Boot's {@link LettuceClientConfigurationBuilderCustomizer}, under a name both lines share. */
	interface ClientConfigurationCustomizer extends LettuceClientConfigurationBuilderCustomizer {

	}

	/** Boot's {@link ClientResourcesBuilderCustomizer}, under a name both lines share. */
	interface ClientResourcesCustomizer extends ClientResourcesBuilderCustomizer {

	}

	/**
	 * {@code spring.data.redis.timeout} and {@code spring.data.redis.connect-timeout} as
	 * Boot bound them, each {@code null} when not set or when there is no
	 * {@link RedisProperties} bean.
	 * @param beanFactory the application's bean factory
	 * @return the timeouts
	 */
	static RedisTimeouts timeouts(BeanFactory beanFactory) {
		RedisProperties properties = beanFactory.getBeanProvider(RedisProperties.class).getIfAvailable();
		return (properties != null) ? new RedisTimeouts(properties.getTimeout(), properties.getConnectTimeout())
				: RedisTimeouts.NONE;
	}

}
