(function_call_expression function: (name) @name) @ref.call
(member_call_expression object: (_) @object name: (name) @name) @ref.call
(scoped_call_expression scope: (_) @object name: (name) @name) @ref.call
(object_creation_expression (name) @name) @ref.new
