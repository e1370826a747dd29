(invocation_expression function: (identifier) @name) @ref.call
(invocation_expression function: (member_access_expression expression: (_) @object name: (identifier) @name)) @ref.call
(object_creation_expression type: (identifier) @name) @ref.new
