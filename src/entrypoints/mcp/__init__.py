"""The Model Context Protocol entrypoint: the application's use cases as tools for AI
assistants, over stdio (`openpost mcp`) and streamable HTTP (`/mcp` in `openpost serve`)."""
