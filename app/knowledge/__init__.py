"""Knowledge base (知识库, GB/T 44191): province-shared and city articles, versions, review."""
