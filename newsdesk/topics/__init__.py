"""Hot topics: near-duplicate items clustered into stories, terms scored for bursts, grouped into topics."""
