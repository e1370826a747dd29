(method_invocation object: (_) @object name: (identifier) @name) @ref.call
(method_invocation !object name: (identifier) @name) @ref.call
(object_creation_expression type: (type_identifier) @name) @ref.new
(type_identifier) @name @ref.type
