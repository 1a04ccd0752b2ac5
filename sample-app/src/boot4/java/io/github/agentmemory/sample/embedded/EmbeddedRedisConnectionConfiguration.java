package io.github.agentmemory.sample.embedded;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.annotation.Bean;

/**
 * Points Spring Boot 4.1's Redis connection at the embedded server with a
 * {@link DataRedisConnectionDetails} bean (Boot 3.5 named the type {@code RedisConnectionDetails}: {@code -Pboot4} compiles
 * this class, the default profile its twin in src/boot3/java). Imported by {@link EmbeddedRedisConfiguration}, and only
 * then: it is no {@code @Configuration}, so component scanning does not pick it up when the
 * embedded server is switched off.
 */
class EmbeddedRedisConnectionConfiguration {

	@Bean
	DataRedisConnectionDetails embeddedRedisConnectionDetails(EmbeddedRedis embeddedRedis) {
		return new DataRedisConnectionDetails() {

			@Override
			public Standalone getStandalone() {
				return Standalone.of("127.0.0.1", embeddedRedis.getPort());
			}

		};
	}

}
