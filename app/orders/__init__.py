"""Work orders (工单): intake, dispatch, handling, time limits, callback."""
