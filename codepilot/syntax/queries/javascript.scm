(class_declaration name: (_) @name) @def.class
(function_declaration name: (identifier) @name) @def.function
(generator_function_declaration name: (identifier) @name) @def.function
(method_definition name: (_) @name) @def.method
(variable_declarator
  name: (identifier) @name
  value: [(arrow_function) (function_expression) (generator_function)]) @def.function
(variable_declarator name: (identifier) @name value: (class)) @def.class
(field_definition
  property: (_) @name
  value: [(arrow_function) (function_expression) (generator_function)]) @def.method
(pair
  key: (_) @name
  value: [(arrow_function) (function_expression) (generator_function)]) @def.method
; a named function expression that is not already named by what it is assigned to
(function_expression name: (identifier) @name) @def.function
